// `hvmio <subcommand>`: one binary for every way of running the devices.

import { OptionError } from './keyval.js';
import { registerShadowModeFromEnv } from '../register-shadow-mode.js';

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }> = {
  sim: { summary: 'simulated guest on a built-in scratch disk (default job)', load: () => import('./sim-command.js') },
  run: { summary: 'boot the bundled Linux guest under QEMU with our device behind its proxy', load: () => import('./run-command.js') },
  remote: { summary: "serve a device to QEMU's multi-process proxy (x-pci-proxy-dev)", load: () => import('./remote-command.js') },
};

function usage(): string {
  const lines = ['usage: hvmio <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(SUBCOMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push('', 'hvmio <command> --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return cmd ? 0 : 2;
  }
  const sub = SUBCOMMANDS[cmd];
  if (!sub) {
    console.error(`hvmio: unknown command "${cmd}" (try hvmio --help)`);
    return 2;
  }
  try {
    registerShadowModeFromEnv(); // checked before anything starts
  } catch (err) {
    console.error(`hvmio ${cmd}: ${(err as Error).message}`);
    return 2;
  }
  try {
    return await (await sub.load()).main(rest);
  } catch (err) {
    if (err instanceof OptionError || (err instanceof Error && ['DriveError', 'GuestScriptError', 'NetdevError'].includes(err.name))) {
      console.error(`hvmio ${cmd}: ${err.message}`);
      return 2;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hvmio ${cmd}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
