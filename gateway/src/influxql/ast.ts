// The parse tree of the InfluxQL subset the gateway serves. Parentheses leave no node: the printer
// writes them back where precedence needs them, so parse -> print -> parse gives the same tree.

export type Expr =
  | { kind: "var"; name: string; cast?: string }
  | { kind: "wildcard"; cast?: "tag" | "field" }
  | { kind: "number"; value: number }
  | { kind: "integer"; value: bigint }
  | { kind: "duration"; text: string }
  | { kind: "string"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "regex"; pattern: string }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr };

export type BinaryOp =
  | "OR"
  | "AND"
  | "="
  | "!="
  | "<>"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=~"
  | "!~"
  | "+"
  | "-"
  | "|"
  | "^"
  | "*"
  | "/"
  | "%"
  | "&";

/** A measurement, a regex over measurement names, or a subquery. `db`/`rp` as written, if any. */
export type Source =
  | { kind: "measurement"; db?: string; rp?: string; name: string }
  | { kind: "regex"; db?: string; rp?: string; pattern: string }
  | { kind: "subquery"; select: SelectStatement };

export interface Field {
  expr: Expr;
  alias?: string;
}

export type Dimension =
  | { kind: "time"; interval: Expr; offset?: Expr }
  | { kind: "tag"; name: string }
  | { kind: "regex"; pattern: string }
  | { kind: "all" };

export type Fill =
  | { kind: "null" }
  | { kind: "none" }
  | { kind: "previous" }
  | { kind: "linear" }
  | { kind: "value"; value: number };

export interface SelectStatement {
  kind: "select";
  fields: Field[];
  sources: Source[];
  where?: Expr;
  groupBy: Dimension[];
  fill?: Fill;
  orderDesc?: boolean;
  limit?: number;
  offset?: number;
  slimit?: number;
  soffset?: number;
  tz?: string;
}

/** `WITH MEASUREMENT` / `WITH KEY` condition. */
export type NameMatch =
  | { op: "=" | "!="; name: string }
  | { op: "=~" | "!~"; pattern: string }
  | { op: "IN"; names: string[] };

interface ShowCommon {
  on?: string;
  where?: Expr;
  limit?: number;
  offset?: number;
}

export type ShowStatement =
  | { kind: "showDatabases" }
  | { kind: "showRetentionPolicies"; on?: string }
  | (ShowCommon & { kind: "showMeasurements"; with?: NameMatch })
  | (ShowCommon & { kind: "showTagKeys"; sources: Source[]; slimit?: number; soffset?: number })
  | (ShowCommon & { kind: "showTagValues"; sources: Source[]; key: NameMatch })
  | { kind: "showFieldKeys"; on?: string; sources: Source[]; limit?: number; offset?: number }
  | (ShowCommon & { kind: "showSeries"; sources: Source[] });

export type Statement = SelectStatement | ShowStatement;
