/* The numbered schema migrations from assets/migrations, compiled in. */
#ifndef CR_DB_MIGRATIONS_H
#define CR_DB_MIGRATIONS_H

struct db_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
