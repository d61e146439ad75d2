/** A usage or input problem the CLI reports in one line, with its exit code (2: usage, 1: a failed check). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
