// The serial console used for provisioning: whole lines in, whole lines out.

export interface Console {
  /** Called with each received line, without its line end. */
  onLine?: (line: string) => void;
  /** Writes `line` and a line end. */
  write(line: string): void;
  close(): void;
}
