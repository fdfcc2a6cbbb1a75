#!/usr/bin/env node
// escpos-decode: reads an ESC/POS stream with npm `npos` (a parser we did
// not write) and reports what a printer would do with it, as JSON on stdout:
//   { init, cuts, slips: [{ images: [file.pbm], text, qr: [payload], barcodes: [..] }],
//     commands: { "GS V": n, ... }, malformed: [...] }
// Each slip ends at a cut. Each raster image (consecutive GS v 0 bands of one
// width) is written as a PBM file into OUTDIR for zbarimg.
// With --png each image is also written as PNG (pngjs), for people to look at.
// usage: node escpos-decode.js STREAM OUTDIR [--codepage cp437|cp858|cp1252] [--png]
'use strict';

const fs = require('fs');
const path = require('path');
const npos = require('npos');
const iconv = require('iconv-lite');

const args = process.argv.slice(2);
let codepage = 'cp437';
let png = false;
const pos = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--codepage') codepage = args[++i];
  else if (args[i] === '--png') png = true;
  else pos.push(args[i]);
}
if (pos.length !== 2) {
  console.error('usage: escpos-decode.js STREAM OUTDIR [--codepage CP]');
  process.exit(64);
}
const [streamFile, outDir] = pos;
fs.mkdirSync(outDir, { recursive: true });
const raw = fs.readFileSync(streamFile);

// npos has no rule for GS ( k (2D codes); its length is pL pH like the
// other GS ( commands, so teach it that one, with npos's own d16 splitter.
const rules = JSON.parse(JSON.stringify(npos.rules));
rules[npos.symbols.GS]['(k'] = [0, 'd16'];
const parser = npos.parser(rules);
const ast = parser.analyze(raw);
if (ast.error) {
  console.error('npos cannot parse the stream: ' + ast.error.message);
  process.exit(2);
}

const ESC_T = { 0: 'cp437', 19: 'cp858', 16: 'cp1252' };
const report = { init: 0, cuts: 0, slips: [], commands: {}, malformed: [] };
let slip = null;
let band = null; // the raster image being stacked: { width, nodes: [] }
let cp = codepage;

function curSlip() {
  if (!slip) {
    slip = { images: [], text: '', qr: [], barcodes: [], codepages: [] };
    report.slips.push(slip);
  }
  return slip;
}

function flushImage() {
  if (!band) return;
  const s = curSlip();
  // npos's raster codec decodes the bands into one bitmap (0 = black).
  const img = npos.codecs.raster.decode(raw, band.nodes.map((n) => ({ offset: n.offset })));
  const file = path.join(outDir, `slip${report.slips.length}-img${s.images.length + 1}.pbm`);
  const rowBytes = Math.ceil(img.width / 8);
  const body = Buffer.alloc(rowBytes * img.height);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++)
      if (img.getPixel(x, y) === 0) body[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`P4\n${img.width} ${img.height}\n`), body]));
  if (png) writePng(file.replace(/\.pbm$/, '.png'), img);
  s.images.push({ file, width: img.width, height: img.height });
  band = null;
}

function writePng(file, img) {
  const { PNG } = require('pngjs');
  const out = new PNG({ width: img.width, height: img.height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const gray = Buffer.alloc(img.width * img.height);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) gray[y * img.width + x] = img.getPixel(x, y) === 0 ? 0 : 255;
  fs.writeFileSync(file, PNG.sync.write({ width: img.width, height: img.height, data: gray },
    { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}

function count(name) {
  report.commands[name] = (report.commands[name] || 0) + 1;
}

for (const node of ast.tree) {
  const name = (node.ascii || '') + (node.fn ? ' ' + node.fn : '');
  const at = node.offset;
  if (node.ascii === 'STX') {
    flushImage();
    curSlip().text += iconv.decode(raw.slice(at, at + node.length), cp);
    continue;
  }
  count(name);
  if (node.ascii === 'GS' && node.fn === 'v0') {
    const width = raw.readUInt16LE(at + 4) * 8;
    const rows = raw.readUInt16LE(at + 6);
    if (rows > 128) report.malformed.push(`GS v 0 band of ${rows} rows at ${at}`);
    if (band && band.width !== width) flushImage();
    if (!band) band = { width, nodes: [] };
    band.nodes.push(node);
    continue;
  }
  flushImage();
  if (node.ascii === 'ESC' && node.fn === '@') {
    report.init++;
  } else if (node.ascii === 'ESC' && node.fn === 't') {
    cp = ESC_T[raw[at + 2]] || `unknown-${raw[at + 2]}`;
    curSlip().codepages.push(cp);
  } else if (node.ascii === 'GS' && node.fn === 'V') {
    report.cuts++;
    curSlip();
    slip = null;
  } else if (node.ascii === 'GS' && node.fn === 'k') {
    const m = raw[at + 2], n = raw[at + 3];
    curSlip().barcodes.push({ m, data: raw.slice(at + 4, at + 4 + n).toString('latin1') });
  } else if (node.ascii === 'GS' && node.fn === '(k') {
    const len = raw.readUInt16LE(at + 3);
    const cn = raw[at + 5], fn = raw[at + 6];
    if (cn !== 0x31) report.malformed.push(`GS ( k with cn ${cn} at ${at}`);
    if (fn === 0x50) {
      if (raw[at + 7] !== 0x30) report.malformed.push(`QR store without m=0x30 at ${at}`);
      curSlip().qr.push(raw.slice(at + 8, at + 5 + len).toString('utf8'));
    } else if (fn === 0x41 && !(len === 4 && raw[at + 7] === 0x32 && raw[at + 8] === 0)) {
      report.malformed.push(`QR model command with bad length/params at ${at}`);
    } else if ((fn === 0x43 || fn === 0x45 || fn === 0x51) && len !== 3) {
      report.malformed.push(`QR function ${fn.toString(16)} with pL pH ${len} at ${at}`);
    }
  }
}
flushImage();
// A trailing slip with nothing in it is just the end of the stream.
if (slip && !slip.images.length && !slip.text.trim() && !slip.qr.length) report.slips.pop();
process.stdout.write(JSON.stringify(report, null, 1) + '\n');
