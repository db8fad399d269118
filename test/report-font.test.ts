import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  charsThatFit, fontCharacters, GLYPH_HEIGHT, GLYPH_WIDTH, glyphBitmap, textHeight, textWidth, truncateText, wrapText,
} from '../src/report/font.ts';

const PRINTABLE = Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k));

test('the font covers printable ASCII 32..126 and nothing else', () => {
  assert.deepEqual([...fontCharacters()].sort(), [...PRINTABLE].sort());
});

test('every glyph is distinct, and only the space is blank', () => {
  const seen = new Map<string, string>();
  for (const ch of PRINTABLE) {
    const bits = glyphBitmap(ch);
    assert.equal(bits.length, GLYPH_WIDTH * GLYPH_HEIGHT);
    const key = bits.join('');
    assert.equal(seen.get(key), undefined, `'${ch}' looks the same as '${seen.get(key)}'`);
    seen.set(key, ch);
    assert.equal(bits.some((b) => b === 1), ch !== ' ', `ink of '${ch}'`);
  }
});

test('only descending characters use the two bottom rows', () => {
  const below = PRINTABLE.filter((ch) => glyphBitmap(ch).slice(7 * GLYPH_WIDTH).some((b) => b === 1));
  assert.deepEqual(below.sort(), [',', ';', 'g', 'j', 'p', 'q', 'y'].sort());
});

test('unknown characters map to the question mark', () => {
  assert.deepEqual(glyphBitmap('€'), glyphBitmap('?'));
  assert.deepEqual(glyphBitmap('\n'), glyphBitmap('?'));
});

test('text metrics: 6 px per character less the trailing gap, 9 px high, times the scale', () => {
  assert.equal(textWidth(''), 0);
  assert.equal(textWidth('a'), 5);
  assert.equal(textWidth('abcd'), 23);
  assert.equal(textWidth('abcd', 3), 69);
  assert.equal(textHeight(2), 18);
  assert.equal(charsThatFit(23), 4);
  assert.equal(charsThatFit(28), 4);
  assert.equal(charsThatFit(29), 5);
  assert.equal(charsThatFit(69, 3), 4);
  assert.equal(charsThatFit(2), 0);
});

test('truncateText keeps short text and marks cuts with two dots', () => {
  assert.equal(truncateText('Sneaker', 12), 'Sneaker');
  assert.equal(truncateText('Ankle boot and more', 10), 'Ankle bo..');
  assert.equal(truncateText('Ankle boot and more', 10).length, 10);
  assert.equal(truncateText('abc', 2), 'ab');
  assert.equal(truncateText('abc', 0), '');
});

test('wrapText breaks at spaces, cuts overlong words and marks dropped text', () => {
  assert.deepEqual(wrapText('Ankle boot -> T-shirt/top', 14, 2), ['Ankle boot ->', 'T-shirt/top']);
  assert.deepEqual(wrapText('short', 14, 2), ['short']);
  assert.deepEqual(wrapText('', 5, 2), []);
  assert.deepEqual(wrapText('Supercalifragilistic', 8, 2), ['Superc..']);
  assert.deepEqual(wrapText('one two three four', 9, 1), ['one two..']);
  assert.deepEqual(wrapText('a b c d e f g h i', 3, 2), ['a b', 'c..']);
  for (const line of wrapText('the quick brown fox jumps over the lazy dog', 10, 3)) assert.ok(line.length <= 10, line);
});
