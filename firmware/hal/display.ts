// The kiosk's text display: a few short lines (a 20×4 character LCD on the
// board). The application always shows a whole screen at once.

export const DISPLAY_LINES = 4;
export const DISPLAY_COLUMNS = 20;

export interface Display {
  /** Replaces the screen; lines beyond the display are cut, missing ones blank. */
  show(lines: readonly string[]): void;
}

/** Cuts or pads `lines` to the display's size, so every implementation shows the same text. */
export function fitScreen(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < DISPLAY_LINES; i++) out.push((lines[i] ?? "").slice(0, DISPLAY_COLUMNS));
  return out;
}

/** Breaks `text` into display lines at spaces (a word longer than a line is cut). */
export function wrap(text: string, width = DISPLAY_COLUMNS): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    if (line === "") line = word.slice(0, width);
    else if (line.length + 1 + word.length <= width) line += " " + word;
    else {
      lines.push(line);
      line = word.slice(0, width);
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
