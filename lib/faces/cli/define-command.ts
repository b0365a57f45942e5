// A command from its declaration: the help generated, the line parsed and
// checked (parse.ts), the handler called with typed values.
import {
  EXIT,
  type CliIO,
  type Command,
  type CommandDeclaration,
  type OptionDeclarations,
  type PositionalDeclaration,
} from './command';
import { commandHelp } from './help';
import { parseDeclared } from './parse';

/**
 * The command `declaration` declares.
 * @example export const topCommand = defineCommand({ name: 'top', options: { ... }, positionals: [...], handler })
 */
export function defineCommand<const O extends OptionDeclarations, const P extends readonly PositionalDeclaration[]>(
  declaration: CommandDeclaration<O, P>,
): Command {
  // Generated once, at load: a declaration whose sections miss an option fails every test that loads it.
  const help = commandHelp(declaration);
  return {
    name: declaration.name,
    summary: declaration.summary,
    help,
    async run(argv: readonly string[], io: CliIO): Promise<number> {
      const line = parseDeclared(argv, declaration);
      if (line.help) {
        io.stdout.write(help);
        return EXIT.OK;
      }
      return declaration.handler(line, io);
    },
  };
}
