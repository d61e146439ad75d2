// `signet`: one command for technicians, administrators, auditors and CI.
// Each command group lives in its own module and registers itself here.
import { Command, CommanderError } from "commander";
import { demoCommand } from "./demo.ts";
import { msgCommand } from "./msg.ts";
import { gatewayCommand } from "./gateway.ts";
import { deviceCommand } from "./device.ts";
import { ballotCommand } from "./ballot.ts";
import { keyCommand } from "./key.ts";
import { rollCommand } from "./roll.ts";
import { startCommand } from "./start.ts";
import { simCommand } from "./sim.ts";
import { CliError } from "./errors.ts";

const program = new Command("signet")
  .description("Signet: signed votes and meter readings from ESP32 notaries, verified into an auditable Merkle ledger")
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

for (const command of [msgCommand(), demoCommand(), gatewayCommand(), deviceCommand(), ballotCommand(), rollCommand(), keyCommand(), startCommand(), simCommand()]) program.addCommand(command);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof CliError) {
    process.stderr.write(`signet: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  throw e;
}
