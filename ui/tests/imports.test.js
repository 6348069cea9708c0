// Every named import in ui/js resolves to a name its module exports. A wrong one stops the
// whole window at start ("Opening Countersign…" for ever), which no other unit test sees
// because main.js is not imported by them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

import "./fake-dom.js";

const root = new URL("../js/", import.meta.url);

function files(dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(new URL(`${e.name}/`, dir)) : e.name.endsWith(".js") ? [new URL(e.name, dir)] : []);
}

test("every named import exists in the module it names", async () => {
  const checked = [];
  for (const file of files()) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
      const target = new URL(m[2], file);
      const mod = await import(target.href);
      for (const raw of m[1].split(",")) {
        const name = raw.trim().split(/\s+as\s+/)[0];
        if (!name) continue;
        assert.ok(name in mod, `${file.pathname.split("/ui/")[1]} imports ${name} from ${m[2]}, which does not export it`);
        checked.push(name);
      }
    }
  }
  assert.ok(checked.length > 50, "found the imports");
});
