// A word-level diff (longest common subsequence over words and the spaces between them).

/** Words, whitespace runs and punctuation as separate tokens, so joining them gives the text back. */
export function tokenize(text) {
  return String(text ?? "").match(/\s+|[\p{L}\p{N}\p{M}_'’@#]+|[^\s\p{L}\p{N}\p{M}_'’@#]/gu) ?? [];
}

// Above this many cells the LCS table is too big; the changed middle is shown as
// replaced wholesale (still correct, just coarser).
const MAX_CELLS = 4_000_000;

function push(out, op, text) {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.op === op) last.text += text;
  else out.push({ op, text });
}

/**
 * The edits that turn `before` into `after`.
 * @returns {{op: "equal"|"insert"|"delete", text: string}[]}
 */
export function wordDiff(before, after) {
  const a = tokenize(before);
  const b = tokenize(after);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre += 1;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf += 1;
  const out = [];
  push(out, "equal", a.slice(0, pre).join(""));
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  if (n * m > MAX_CELLS) {
    push(out, "delete", am.join(""));
    push(out, "insert", bm.join(""));
  } else {
    // lcs[i][j]: common subsequence length of am[i..] and bm[j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i * w + j] = am[i] === bm[j]
          ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (am[i] === bm[j]) {
        push(out, "equal", am[i]);
        i += 1;
        j += 1;
      } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
        push(out, "delete", am[i]);
        i += 1;
      } else {
        push(out, "insert", bm[j]);
        j += 1;
      }
    }
    push(out, "delete", am.slice(i).join(""));
    push(out, "insert", bm.slice(j).join(""));
  }
  push(out, "equal", a.slice(a.length - suf).join(""));
  return coalesce(out);
}

/**
 * Reads better: a lone space between two changes joins them, so "by Thursday" → "early
 * next week" is one replacement rather than two interleaved ones; within each run of
 * changes, what was removed comes before what was added.
 */
function coalesce(parts) {
  const out = [];
  let del = "";
  let ins = "";
  const flush = () => {
    push(out, "delete", del);
    push(out, "insert", ins);
    del = "";
    ins = "";
  };
  parts.forEach((part, i) => {
    if (part.op === "delete") del += part.text;
    else if (part.op === "insert") ins += part.text;
    else if (/^\s+$/u.test(part.text) && i > 0 && i < parts.length - 1 && (del || ins)) {
      del += part.text;
      ins += part.text;
    } else {
      flush();
      push(out, "equal", part.text);
    }
  });
  flush();
  return out;
}

/** The parts of a diff that belong to one side: "before" drops inserts, "after" drops deletes. */
export function side(diff, which) {
  const drop = which === "before" ? "insert" : "delete";
  return diff.filter((part) => part.op !== drop);
}
