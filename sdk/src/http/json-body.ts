/** A body parsed as JSON, or why it is not JSON (without quoting more than a few characters of it). */
export function parseJsonBody(
  body: Buffer,
  status: number,
  contentType: string | undefined,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (status === 204) return { ok: true, value: null };
  const what = `status ${status}, ${body.length} bytes, content-type ${contentType ?? "none"}`;
  if (body.length === 0) return { ok: false, message: `malformed JSON (${what}): the body is empty` };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch (error) {
    // V8 quotes the start of the body ('Unexpected token '<', "<html>..." is not valid JSON'): that
    // excerpt could hold part of a secret the server echoed, so it is left out.
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      /, ".*"(\.\.\.)? is not valid JSON$/s,
      "",
    );
    return { ok: false, message: `malformed JSON (${what}): ${reason.slice(0, 200)}` };
  }
}
