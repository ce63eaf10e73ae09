/**
 * Turning a YAML/JSON file's text into values without letting a hostile or wrong file turn into
 * a stack trace or a screenful of echoed bytes: binary content is refused before parsing (YAML
 * would read most of it as one long scalar and a message would then quote it), and an alias
 * bomb (aliases expanding to millions of nodes) is stopped by the yaml library's alias budget and
 * reported at the line of the first alias instead of escaping as a ReferenceError. The
 * configuration loader and the filter loader both read files through here.
 */
import { visit, type Document, type LineCounter } from 'yaml';

/** Aliases a document may expand; enough for any hand-written configuration or filter. */
export const MAX_YAML_ALIASES = 100;

/** A located reason why a text is not a YAML document we read. */
export interface TextProblem {
  /** 1-based line, null for the whole file. */
  line: number | null;
  message: string;
}

/**
 * Why `text` (decoded as UTF-8) is binary, or null when it looks like text: a NUL byte, a byte
 * that is not UTF-8 (decoded as U+FFFD) or a C0 control other than tab, newline, carriage
 * return and form feed. Only the first 64 KiB are looked at.
 */
export function binaryContent(text: string): TextProblem | null {
  const n = Math.min(text.length, 65536);
  let line = 1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 0xfffd || (c < 32 && c !== 9 && c !== 13 && c !== 12) || c === 127) {
      const what = c === 0xfffd ? 'bytes that are not UTF-8' : `control byte 0x${c.toString(16).padStart(2, '0')}`;
      return { line, message: `not a text file (${what}): binary content, expected YAML or JSON` };
    }
  }
  return null;
}

/** The line of the document's first alias (where an alias bomb starts): undefined when there
 *  is no alias, null when it has no position. */
function firstAliasLine(doc: Document, lines: LineCounter): number | null | undefined {
  let line: number | null | undefined;
  visit(doc, {
    Alias(_key, node) {
      line = node.range ? lines.linePos(node.range[0]).line : null;
      return visit.BREAK;
    },
  });
  return line;
}

/**
 * The document's value, or a located problem when its aliases expand beyond MAX_YAML_ALIASES.
 * The yaml library throws a ReferenceError for that (and a RangeError for an alias cycle
 * through a merge key); both become a problem, anything else is a bug and still throws.
 */
export function documentValue(doc: Document, lines: LineCounter): { value: unknown; problem: TextProblem | null } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }), problem: null };
  } catch (err) {
    if (!(err instanceof ReferenceError) && !(err instanceof RangeError)) throw err;
    const aliasLine = firstAliasLine(doc, lines);
    if (aliasLine === undefined) {
      // No alias: a RangeError is the stack running out on absurdly deep nesting.
      if (err instanceof RangeError) return { value: undefined, problem: { line: null, message: 'YAML nested too deeply' } };
      throw err;
    }
    return {
      value: undefined,
      problem: {
        line: aliasLine,
        message: `YAML aliases expand too far (more than ${MAX_YAML_ALIASES} alias expansions or a cycle): refused as a resource-exhaustion ("billion laughs") document`,
      },
    };
  }
}

/** A yaml parser message as one short line: its first line, with any quoted source text cut
 *  (the parser quotes whole blocks of the file, JSON-escaped, on that first line). */
export function yamlErrorText(message: string): string {
  const first = message.split('\n')[0]!;
  return first.length <= 160 ? first : `${first.slice(0, 157)}...`;
}
