/**
 * Test certificates made with the openssl command line (P-256 keys, valid two days): a CA,
 * a server certificate it signed for 127.0.0.1 and localhost, a client certificate it
 * signed, and a second CA that signed nothing we use (an "other" CA a client may wrongly
 * trust). Written into a directory the caller owns and removes.
 *
 * `redisTlsSkipReason()` says why TLS tests cannot run here: no redis-server, no openssl,
 * or a redis-server built without TLS; it prints the reason once.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REDIS_SERVER_BIN, redisSkipReason } from "./redis-server.js";

export const OPENSSL_BIN = process.env.OPENSSL_BIN ?? "/usr/bin/openssl";

export interface TestCertificates {
  readonly dir: string;
  /** PEM file paths. */
  readonly files: {
    ca: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    otherCa: string;
  };
  /** The CA certificate (what a client passes as tls.ca). */
  readonly ca: Buffer;
  /** A CA that signed neither certificate. */
  readonly otherCa: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
}

let reasonPrinted = false;
export function redisTlsSkipReason(): string | undefined {
  const base = redisSkipReason();
  if (base !== undefined) return base;
  let reason: string | undefined;
  if (!existsSync(OPENSSL_BIN)) reason = `${OPENSSL_BIN} not found (install openssl); Redis TLS tests skipped`;
  // A TLS build links OpenSSL (Debian: libssl.so.3); the symbol name is in the binary either way.
  else if (!readFileSync(REDIS_SERVER_BIN).includes("SSL_CTX_new"))
    reason = `${REDIS_SERVER_BIN} was built without TLS (no SSL_CTX_new); Redis TLS tests skipped`;
  if (reason !== undefined && !reasonPrinted) {
    reasonPrinted = true;
    console.log(`# SKIP: ${reason}`);
  }
  return reason;
}

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL_BIN, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function signed(dir: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, ["req", "-new", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/** Makes the certificates in `dir` (which must exist). */
export function makeCertificates(dir: string): TestCertificates {
  const subj = (cn: string): string[] => ["-subj", `/CN=${cn}`];
  openssl(dir, ["req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", ...subj("zmq-test-ca")]);
  openssl(dir, ["req", "-x509", ...EC, "-keyout", "other.key", "-out", "other.crt", "-days", "2", ...subj("other-ca")]);
  signed(dir, "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
  signed(dir, "client", "zmq-test-client", "extendedKeyUsage=clientAuth");
  const p = (f: string): string => join(dir, f);
  const files = {
    ca: p("ca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    otherCa: p("other.crt"),
  };
  return {
    dir,
    files,
    ca: readFileSync(files.ca),
    otherCa: readFileSync(files.otherCa),
    clientCert: readFileSync(files.clientCert),
    clientKey: readFileSync(files.clientKey),
  };
}
