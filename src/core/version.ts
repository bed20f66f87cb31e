/**
 * RPC interface versions "major.minor[.revision]" and the compatibility rule oslo uses
 * everywhere (dispatcher, version cap, canSendVersion):
 *   an implementation at `impl` can serve a request at `req` iff the majors are equal and
 *   (minor, revision) of impl >= those of req.
 */
import { MessagingError } from "../errors.js";

export interface Version {
  major: number;
  minor: number;
  revision: number;
}

const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$/;

export function parseVersion(v: string): Version {
  const m = VERSION_RE.exec(v);
  if (!m) throw new MessagingError(`Version must contain a major and minor integer. Got ${v}`);
  return { major: Number(m[1]), minor: Number(m[2]), revision: Number(m[3] ?? 0) };
}

export function isValidVersion(v: string): boolean {
  return VERSION_RE.test(v);
}

/** oslo.messaging _utils.version_is_compatible(imp_version, version). */
export function versionIsCompatible(impl: string, req: string): boolean {
  const a = parseVersion(impl);
  const b = parseVersion(req);
  if (a.major !== b.major) return false;
  if (a.minor !== b.minor) return a.minor > b.minor;
  return a.revision >= b.revision;
}

/**
 * Client-side version cap check (oslo RPCClient._check_version_cap): with a cap set, the
 * message must carry a version compatible with it; without one anything goes.
 */
export function versionAllowedByCap(
  versionCap: string | null | undefined,
  version: string | null | undefined,
): boolean {
  if (versionCap === null || versionCap === undefined) return true;
  if (version === null || version === undefined) return false;
  return versionIsCompatible(versionCap, version);
}
