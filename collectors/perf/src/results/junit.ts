import { z } from "@platform-metrics/sdk";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describeIssues } from "./json-text.js";
import { emptyResults, type Results, type TestStatus } from "./types.js";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === "testsuite" || name === "testcase",
});

const SECONDS = /^\d+(\.\d+)?([eE][-+]?\d+)?$/;

const testcase = z.looseObject({
  name: z.string().min(1),
  classname: z.string().optional(),
  time: z.string().optional(),
});

const suiteNode = z.looseObject({
  name: z.string().optional(),
  testsuite: z.array(z.unknown()).optional(),
  testcase: z.array(z.unknown()).optional(),
});

/**
 * JUnit XML as test runners write it (Ant's schema and its common variants): `<testsuites>` or a
 * single `<testsuite>`, suites may nest. A test case is `fail` with `<failure>`, `error` with
 * `<error>`, `skip` with `<skipped>`, else `pass`. Its suite is its classname, else its suite's name.
 * A document that is not well-formed gives no results (a cut-off case could read as passed).
 */
export function parseJunit(text: string): Results {
  const results = emptyResults();
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    return { ...results, problems: [`invalid XML at line ${line}, column ${col}: ${msg}`] };
  }
  const root = parser.parse(text) as Record<string, unknown>;
  // An empty element (`<testsuites/>`) parses as "".
  const top =
    "testsuites" in root
      ? root.testsuites || {}
      : "testsuite" in root
        ? { testsuite: root.testsuite }
        : undefined;
  if (typeof top !== "object" || top === null) {
    return { ...results, problems: ["not JUnit XML: no <testsuites> or <testsuite> element at the top"] };
  }
  visitSuite(top, "testsuites", "", results);
  return results;
}

function visitSuite(node: unknown, path: string, outerName: string, results: Results): void {
  const checked = suiteNode.safeParse(node);
  if (!checked.success) {
    results.problems.push(`${path}: ${describeIssues(checked.error)}`);
    return;
  }
  const name = checked.data.name ?? outerName;
  checked.data.testsuite?.forEach((child, i) => {
    visitSuite(child, `${path}/testsuite[${i + 1}]`, name, results);
  });
  checked.data.testcase?.forEach((raw, i) => {
    const where = `${path}/testcase[${i + 1}]`;
    const parsed = testcase.safeParse(raw);
    if (!parsed.success) {
      results.problems.push(`${where}: ${describeIssues(parsed.error)}`);
      return;
    }
    const data = parsed.data;
    const time = data.time?.trim();
    if (time !== undefined && !SECONDS.test(time)) {
      results.problems.push(
        `${where} (${JSON.stringify(data.name)}): time ${JSON.stringify(time)}: expected seconds, e.g. 0.25; written without it`,
      );
    }
    results.tests.push({
      suite: data.classname || name,
      name: data.name,
      status: statusOf(data),
      durationSeconds: time !== undefined && SECONDS.test(time) ? Number(time) : undefined,
    });
  });
}

function statusOf(data: Record<string, unknown>): TestStatus {
  if (data.error !== undefined) return "error";
  if (data.failure !== undefined) return "fail";
  if (data.skipped !== undefined) return "skip";
  return "pass";
}
