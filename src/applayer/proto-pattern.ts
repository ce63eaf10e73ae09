/** Detection patterns and probing-parser verdicts (the vocabulary of the protocol table). */

/** A pattern at the start of one direction's data (Suricata PM: content with offset and depth). */
export interface ProtoPattern {
  readonly bytes: Uint8Array;
  readonly offset: number;
  /** The pattern must end within the first `depth` bytes. */
  readonly depth: number;
  readonly nocase: boolean;
  readonly toServer: boolean;
  readonly toClient: boolean;
  /**
   * A probing parser that confirms a pattern match (Suricata's PM-with-PP registrations,
   * AppLayerProtoDetectPMRegisterPatternCSwPP): NoMatch rejects, NeedMore waits for more bytes.
   */
  readonly probe?: ProbeFn;
}

/** A probing parser: Probe.Match, NeedMore or NoMatch for one direction's first bytes. */
export type ProbeFn = (toServer: boolean, buf: Uint8Array, off: number, len: number) => number;

/** Probing parser answer. */
export const Probe = { NoMatch: -1, NeedMore: 0, Match: 1 } as const;

/** A pattern from text; `|hh hh|` hex blocks as in rules. */
export function pattern(text: string, depth: number, dirs: 'ts' | 'tc' | 'both', nocase = false, offset = 0): ProtoPattern {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '|') {
      const end = text.indexOf('|', i + 1);
      for (const h of text.slice(i + 1, end).trim().split(/\s+/)) out.push(parseInt(h, 16));
      i = end;
    } else out.push(text.charCodeAt(i));
  }
  return { bytes: Uint8Array.from(out), offset, depth, nocase, toServer: dirs !== 'tc', toClient: dirs !== 'ts' };
}

/** A pattern whose match a probing parser confirms (Suricata's PM with PP). */
export function patternWithProbe(text: string, depth: number, dirs: 'ts' | 'tc' | 'both', probe: ProbeFn, offset = 0): ProtoPattern {
  return { ...pattern(text, depth, dirs, false, offset), probe };
}
