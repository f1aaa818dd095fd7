import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Host names, addresses or CIDR ranges that may be fetched even though private or loopback. */
  allowedHosts: string[];
}

/** `permanent`: trying again cannot help (a refused address, a 404, a file too large). */
export class FileFetchError extends Error {
  override readonly name = 'FileFetchError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it is. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

export function isPrivateAddress(address: string): boolean {
  const plain = unmapped(address);
  return PRIVATE.check(plain, family(plain));
}

function allowList(entries: string[]): { names: Set<string>; addresses: BlockList } {
  const names = new Set<string>();
  const addresses = new BlockList();
  for (const entry of entries) {
    const [base = '', bits] = entry.split('/');
    if (isIP(base) !== 0) {
      if (bits === undefined) addresses.addAddress(base, family(base));
      else addresses.addSubnet(base, Number(bits), family(base));
    } else names.add(entry.toLowerCase());
  }
  return { names, addresses };
}

/**
 * The address to connect to, after the checks: the name is resolved once here and the
 * connection goes to that address, so a second resolution cannot swap in a private one.
 */
async function resolveChecked(hostname: string, limits: FetchLimits): Promise<{ address: string; family: 4 | 6 }> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const resolved =
    isIP(bare) !== 0
      ? [{ address: bare, family: isIP(bare) as 4 | 6 }]
      : await dnsLookup(bare, { all: true }).catch(() => {
          throw new FileFetchError(`file_url: host "${bare}" could not be resolved`, false);
        });
  const allowed = allowList(limits.allowedHosts);
  const first = resolved[0];
  if (first === undefined) throw new FileFetchError(`file_url: host "${bare}" has no address`, true);
  if (allowed.names.has(bare.toLowerCase())) return { address: first.address, family: first.family as 4 | 6 };
  for (const r of resolved) {
    const plain = unmapped(r.address);
    if (isPrivateAddress(plain) && !allowed.addresses.check(plain, family(plain))) {
      throw new FileFetchError(`file_url: ${bare} resolves to a private or loopback address; an operator can allow it with GROUP_IMPORT_ALLOWED_HOSTS`, true);
    }
  }
  return { address: first.address, family: first.family as 4 | 6 };
}

/** Refuses an URL before any job is queued: wrong scheme, or a host that is private and not allowed. */
export async function checkFileUrl(url: string, limits: FetchLimits): Promise<URL> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new FileFetchError('file_url: must be an http:// or https:// URL', true);
  }
  if (parsed.username !== '' || parsed.password !== '') throw new FileFetchError('file_url: must not carry credentials', true);
  await resolveChecked(parsed.hostname, limits);
  return parsed;
}

/**
 * Opens the file as a byte stream: http(s) only, no redirects, the checked address only, at most
 * `maxBytes` (by header and by count) and `timeoutMs` from the request to the last byte.
 */
export async function openFile(url: string, limits: FetchLimits): Promise<Readable> {
  const parsed = await checkFileUrl(url, limits);
  const target = await resolveChecked(parsed.hostname, limits);
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all === true) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = parsed.protocol === 'https:' ? https : http;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = client.get(parsed, { lookup: pinned, signal, headers: { accept: 'text/csv, text/plain, */*' } }, resolve);
    request.on('error', (error) =>
      reject(signal.aborted ? new FileFetchError('file_url: the file did not arrive in time', false) : new FileFetchError(`file_url: ${error.message}`, false)),
    );
  });
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.resume();
    throw new FileFetchError(
      status >= 300 && status < 400 ? `file_url: answered with a redirect (${status}), which is not followed` : `file_url: answered ${status}`,
      status < 500,
    );
  }
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    response.destroy();
    throw new FileFetchError(`file_url: the file is larger than ${limits.maxBytes} bytes`, true);
  }
  let seen = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limits.maxBytes) callback(new FileFetchError(`file_url: the file is larger than ${limits.maxBytes} bytes`, true));
      else callback(null, chunk);
    },
  });
  response.on('error', (error) =>
    limited.destroy(signal.aborted ? new FileFetchError('file_url: the file did not arrive in time', false) : new FileFetchError(`file_url: ${error.message}`, false)),
  );
  return response.pipe(limited);
}
