#!/usr/bin/env node
// zpl-render: renders every label (^XA..^XZ) of a ZPL file to PNG with npm
// `zpl-renderer-js` (Zebrash compiled to wasm; a renderer we did not write),
// so zbarimg can read the codes back. Prints one PNG path a line.
// usage: node zpl-render.js FILE.zpl OUTDIR [WIDTH_MM HEIGHT_MM DPMM]
'use strict';

const fs = require('fs');
const path = require('path');

async function main() {
  const [file, outDir, w = '101.6', h = '76.2', dpmm = '8'] = process.argv.slice(2);
  if (!file || !outDir) {
    console.error('usage: zpl-render.js FILE.zpl OUTDIR [WIDTH_MM HEIGHT_MM DPMM]');
    process.exit(64);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const zpl = fs.readFileSync(file, 'utf8');
  const { api } = await require('zpl-renderer-js').ready;
  const labels = await api.zplToBase64MultipleAsync(zpl, Number(w), Number(h), Number(dpmm));
  labels.forEach((b64, i) => {
    const out = path.join(outDir, `label${i + 1}.png`);
    fs.writeFileSync(out, Buffer.from(b64, 'base64'));
    console.log(out);
  });
}

main().then(() => process.exit(0), (e) => {
  console.error('zpl-render: ' + (e && e.message ? e.message : e));
  process.exit(2);
});
