/**
 * Why a server could not listen, in words an operator can act on: the port, the setting that chose it,
 * and (for the usual causes) what to do.
 */
export function listenErrorMessage(
  error: NodeJS.ErrnoException,
  where: { port: number; host?: string; setting?: string },
): string {
  const setting = where.setting ?? "PM_HTTP_PORT";
  const address = `${where.host ?? "0.0.0.0"}:${where.port}`;
  if (error.code === "EADDRINUSE")
    return `cannot listen on ${address}: port ${where.port} is already in use by another process (EADDRINUSE); set ${setting} to a free port (0 picks one)`;
  if (error.code === "EACCES")
    return `cannot listen on ${address}: not allowed to use port ${where.port} (EACCES); set ${setting} to a port above 1023`;
  return `cannot listen on ${address} (${setting}=${where.port}): ${error.code ?? error.message}`;
}
