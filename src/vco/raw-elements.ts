// The text of each element of a reply's top-level "data" array, exactly as the VCO sent it.
// Writing that text (instead of JSON.stringify of the parsed event) keeps every byte of every
// event unchanged and skips a re-serialisation that cost as much as the parse itself.

const OPEN = /["{}[\]]/g;

/** Index just past the string that starts at `i` (a quote). */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the object or array that starts at `i`. */
function endOfNested(text: string, i: number): number {
  let depth = 0;
  OPEN.lastIndex = i;
  for (let m = OPEN.exec(text); m; m = OPEN.exec(text)) {
    const c = m[0];
    if (c === '"') {
      const end = endOfString(text, m.index);
      if (end < 0) return -1;
      OPEN.lastIndex = end;
    } else if (c === "{" || c === "[") {
      depth++;
    } else if (--depth === 0) {
      return m.index + 1;
    }
  }
  return -1;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index just past the value at `i`. */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === "{" || c === "[") return endOfNested(text, i);
  let j = i;
  while (j < text.length && !",}] \n\r\t".includes(text[j]!)) j++;
  return j > i ? j : -1;
}

/**
 * Raw texts of the elements of the top-level `"data"` array of a JSON object, or undefined when
 * the text is not shaped that way. Call it only on text that JSON.parse accepted.
 */
export function rawDataElements(text: string): Array<string | undefined> | undefined {
  let i = skipSpace(text, 0);
  if (text[i] !== "{") return undefined;
  i = skipSpace(text, i + 1);
  while (text[i] === '"') {
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    i = skipSpace(text, keyEnd);
    if (text[i] !== ":") return undefined;
    i = skipSpace(text, i + 1);
    if (key === "data" && text[i] === "[") return elements(text, i);
    i = endOfValue(text, i);
    if (i < 0) return undefined;
    i = skipSpace(text, i);
    if (text[i] === ",") i = skipSpace(text, i + 1);
  }
  return undefined;
}

/**
 * One pass over the array: this runs over every byte of a backfill, so structure is followed with
 * charCodes and strings are jumped over with indexOf (a regex per token was twice as slow). An
 * element that holds a newline between its tokens (pretty-printed JSON) is left out as undefined.
 */
function elements(text: string, open: number): Array<string | undefined> | undefined {
  const out: Array<string | undefined> = [];
  let depth = 0;
  let start = -1;
  let last = -1;
  let multiline = false;
  const close = () => out.push(multiline ? undefined : text.slice(start, last + 1));
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      if (start < 0) start = i;
      i = endOfString(text, i) - 1;
      if (i < 0) return undefined;
      last = i;
      continue;
    }
    if (c === 32 || c === 9) continue;
    if (c === 10 || c === 13) {
      if (depth > 0) multiline = true;
      continue;
    }
    if (c === 123 || c === 91) {
      depth++;
    } else if (c === 125 || c === 93) {
      if (depth === 0) {
        if (start >= 0) close();
        return c === 93 ? out : undefined;
      }
      depth--;
    } else if (c === 44 && depth === 0) {
      if (start < 0) return undefined;
      close();
      start = -1;
      multiline = false;
      continue;
    }
    if (start < 0) start = i;
    last = i;
  }
  return undefined;
}
