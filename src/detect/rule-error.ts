/**
 * Why one rule could not be loaded. Thrown while parsing/compiling a rule and caught by the
 * loader, which records `file:line`, the sid when known and `reason`, and carries on with the
 * next rule: a bad rule never stops a load.
 *
 * `category` groups failures for the summary (`failures_by_reason`): for an unsupported
 * keyword it is "unsupported keyword 'http.uri'", for an unsupported protocol
 * "unsupported protocol 'http'", otherwise the keyword whose value was bad
 * ("invalid 'content'") or a short class ("syntax").
 */
export class RuleError extends Error {
  readonly reason: string;
  readonly category: string;

  constructor(reason: string, category: string = reason) {
    // No stack trace: a full ruleset throws tens of thousands of these (one per skipped rule)
    // and capturing stacks dominated load time; the reason and file:line say what is needed.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(reason);
    Error.stackTraceLimit = limit;
    this.name = 'RuleError';
    this.reason = reason;
    this.category = category;
  }
}

/**
 * A rule skipped because its `requires` is not met (Suricata skips such rules silently): the
 * loader counts it apart from failures (RuleSet.skipped).
 */
export class RuleSkipped extends RuleError {
  constructor(reason: string) {
    super(`requires ${reason}`, 'requires not met');
    this.name = 'RuleSkipped';
  }
}

export function unsupportedKeyword(name: string): RuleError {
  const r = `unsupported keyword '${name}'`;
  return new RuleError(r, r);
}

export function unsupportedProtocol(name: string): RuleError {
  const r = `unsupported protocol '${name}'`;
  return new RuleError(r, r);
}

/** A keyword whose value is wrong: category "invalid '<keyword>'". */
export function invalidValue(keyword: string, detail: string): RuleError {
  return new RuleError(`invalid '${keyword}': ${detail}`, `invalid '${keyword}'`);
}

/**
 * A quoted option value holds no unescaped `"`: one means the option ran on into the next
 * (a missing `;`, as in `msg:"x" content:"GET";`), which Suricata refuses rather than read as
 * one long value (that typo would otherwise turn a rule into a match-all).
 */
export function refuseUnescapedQuote(keyword: string, inner: string): void {
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\') i++;
    else if (c === '"') throw invalidValue(keyword, `unescaped '"' inside the quoted value (a missing ';' before '${inner.slice(i + 1, i + 25).trim()}'?)`);
  }
}
