/** Exit codes of SPEC §5. */
export const EXIT = { ok: 0, usage: 2, partial: 3, failed: 4 } as const;

/** An error the CLI reports as one line (no stack) with its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
    this.name = "CliError";
  }
}

export const usage = (message: string) => new CliError(message, EXIT.usage);
