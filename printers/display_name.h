/* display_name: a child's name as every slip and preview shows it. */
#ifndef CR_DISPLAY_NAME_H
#define CR_DISPLAY_NAME_H

/* The name as a slip shows it: "given family", or family then given with no
 * space for Chinese, Japanese and Korean names. Caller frees; NULL only when
 * out of memory. */
char *render_display_name(const char *given, const char *family);

#endif
