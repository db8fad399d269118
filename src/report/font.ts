/**
 * A built-in 5-pixel-wide bitmap font covering printable ASCII (32–126), so reports render the
 * same everywhere without a font file or a native text stack.
 *
 * Each glyph is drawn on a 5×9 cell: rows 0–6 hold capitals and digits (cap height 7), rows 2–6
 * the lowercase body, rows 7–8 the descenders of g, j, p, q, y and the tails of , and ;.
 * Glyphs advance 6 pixels (one blank column between letters).
 */

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 9;
export const CAP_HEIGHT = 7;
export const ADVANCE = GLYPH_WIDTH + 1;
/** Drawn in place of characters outside printable ASCII. */
export const REPLACEMENT_CHAR = '?';

// One entry per character: rows top-down, separated by spaces, '#' = ink. Missing rows are blank.
const GLYPH_ROWS: Record<string, string> = {
  ' ': '',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. .#.#.',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '$': '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. .#...',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#..',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#..',
  ',': '..... ..... ..... ..... ..... .##.. ..#.. .#...',
  '-': '..... ..... ..... #####',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '..... ....# ...#. ..#.. .#... #....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##..',
  ';': '..... .##.. .##.. ..... ..... .##.. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... #####',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  'A': '.###. #...# #...# ##### #...# #...# #...#',
  'B': '####. #...# #...# ####. #...# #...# ####.',
  'C': '.###. #...# #.... #.... #.... #...# .###.',
  'D': '###.. #..#. #...# #...# #...# #..#. ###..',
  'E': '##### #.... #.... ####. #.... #.... #####',
  'F': '##### #.... #.... ####. #.... #.... #....',
  'G': '.###. #...# #.... #.### #...# #...# .####',
  'H': '#...# #...# #...# ##### #...# #...# #...#',
  'I': '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'J': '..### ...#. ...#. ...#. ...#. #..#. .##..',
  'K': '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  'L': '#.... #.... #.... #.... #.... #.... #####',
  'M': '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  'N': '#...# #...# ##..# #.#.# #..## #...# #...#',
  'O': '.###. #...# #...# #...# #...# #...# .###.',
  'P': '####. #...# #...# ####. #.... #.... #....',
  'Q': '.###. #...# #...# #...# #.#.# #..#. .##.#',
  'R': '####. #...# #...# ####. #.#.. #..#. #...#',
  'S': '.#### #.... #.... .###. ....# ....# ####.',
  'T': '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  'U': '#...# #...# #...# #...# #...# #...# .###.',
  'V': '#...# #...# #...# #...# #...# .#.#. ..#..',
  'W': '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  'X': '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  'Y': '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  'Z': '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....#',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...#',
  '_': '..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ...#.',
  'a': '..... ..... .###. ....# .#### #...# .####',
  'b': '#.... #.... #.##. ##..# #...# #...# ####.',
  'c': '..... ..... .###. #.... #.... #...# .###.',
  'd': '....# ....# .##.# #..## #...# #...# .####',
  'e': '..... ..... .###. #...# ##### #.... .###.',
  'f': '..##. .#..# .#... ###.. .#... .#... .#...',
  'g': '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  'h': '#.... #.... #.##. ##..# #...# #...# #...#',
  'i': '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  'j': '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  'k': '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  'l': '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'm': '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  'n': '..... ..... #.##. ##..# #...# #...# #...#',
  'o': '..... ..... .###. #...# #...# #...# .###.',
  'p': '..... ..... ####. #...# #...# #...# ####. #.... #....',
  'q': '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  'r': '..... ..... #.##. ##..# #.... #.... #....',
  's': '..... ..... .#### #.... .###. ....# ####.',
  't': '.#... .#... ###.. .#... .#... .#..# ..##.',
  'u': '..... ..... #...# #...# #...# #..## .##.#',
  'v': '..... ..... #...# #...# #...# .#.#. ..#..',
  'w': '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  'x': '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  'y': '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  'z': '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#.',
};

/** Parses one glyph's rows into a GLYPH_HEIGHT × GLYPH_WIDTH bitmap (1 = ink), row-major. */
function parseGlyph(ch: string, rows: string): Uint8Array {
  const bits = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
  const lines = rows === '' ? [] : rows.split(' ');
  if (lines.length > GLYPH_HEIGHT) throw new Error(`font: glyph '${ch}' has ${lines.length} rows, at most ${GLYPH_HEIGHT}`);
  lines.forEach((line, y) => {
    if (!/^[#.]{5}$/.test(line)) throw new Error(`font: glyph '${ch}' row ${y} is '${line}', expected 5 of '#' or '.'`);
    for (let x = 0; x < GLYPH_WIDTH; x++) bits[y * GLYPH_WIDTH + x] = line[x] === '#' ? 1 : 0;
  });
  return bits;
}

const GLYPHS = new Map<string, Uint8Array>(
  Object.entries(GLYPH_ROWS).map(([ch, rows]) => [ch, parseGlyph(ch, rows)]),
);

/** The characters the font draws (printable ASCII). */
export function fontCharacters(): string[] {
  return [...GLYPHS.keys()];
}

/** The bitmap of `ch` (GLYPH_HEIGHT rows of GLYPH_WIDTH, 1 = ink); unknown characters get '?'. */
export function glyphBitmap(ch: string): Uint8Array {
  return GLYPHS.get(ch) ?? GLYPHS.get(REPLACEMENT_CHAR)!;
}

/** Width in pixels of `text` drawn at integer `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Height in pixels of a line of text at `scale`, descenders included. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

/** Shortens `text` to at most `maxChars` characters, marking the cut with '..'. */
export function truncateText(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  if (maxChars <= 2) return chars.slice(0, Math.max(0, maxChars)).join('');
  return chars.slice(0, maxChars - 2).join('') + '..';
}

/**
 * Breaks `text` at spaces into at most `maxLines` lines of at most `maxChars` characters (greedy);
 * a word longer than a line is cut, and text left over after the last line marks it with '..'.
 */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  if (maxChars < 1 || maxLines < 1) return [];
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    const joined = current ? `${current} ${word}` : word;
    if ([...joined].length <= maxChars) { current = joined; continue; }
    if (current) lines.push(current);
    if (lines.length === maxLines) return markCut(lines, maxChars);
    current = truncateText(word, maxChars);
  }
  if (current) lines.push(current);
  return lines.length > maxLines ? markCut(lines.slice(0, maxLines), maxChars) : lines;
}

/** Ends the last line with '..' to show that text was dropped after it. */
function markCut(lines: string[], maxChars: number): string[] {
  const last = lines[lines.length - 1];
  const room = [...last].length + 2 <= maxChars ? `${last}..` : truncateText(`${last}...`, maxChars);
  return [...lines.slice(0, -1), room];
}

/** The most characters that fit in `width` pixels at `scale`. */
export function charsThatFit(width: number, scale = 1): number {
  return Math.max(0, Math.floor((width / scale + 1) / ADVANCE));
}
