import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findBinary } from "../find-binary.js";

export interface TlsCertificate {
  /** PEM; self-signed, so it is also the CA a client trusts (a kubeconfig's certificate-authority-data). */
  cert: string;
  key: string;
}

let shared: Promise<TlsCertificate> | undefined;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI (Node cannot make
 * X.509 certificates). One per process: every test API server can serve the same one.
 */
export function testCertificate(): Promise<TlsCertificate> {
  shared ??= makeCertificate().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

async function makeCertificate(): Promise<TlsCertificate> {
  const openssl = findBinary("openssl");
  const dir = await mkdtemp(join(tmpdir(), "pm-kube-cert-"));
  try {
    const keyPath = join(dir, "key.pem");
    const certPath = join(dir, "cert.pem");
    await promisify(execFile)(openssl, [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "7",
      "-subj",
      "/CN=pm-test-kube-apiserver",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ]);
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
