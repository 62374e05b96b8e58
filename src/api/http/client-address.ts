import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { Config } from '../../config';

/** Whether a peer (the socket's remote address) is a proxy whose forwarded-for header we believe. */
export type ProxyTrust = (peer: string) => boolean;

/** TRUST_PROXY as a rule: false, true, or a list of addresses and CIDR ranges (IPv4 and IPv6). */
export function parseTrustProxy(setting: string): ProxyTrust | undefined {
  const value = setting.trim().toLowerCase();
  if (value === '' || value === 'false') return undefined;
  if (value === 'true') return () => true;
  const list = new BlockList();
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address);
    if (!family) throw new Error(`TRUST_PROXY: "${entry}" is not an address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (peer) => {
    const mapped = peer.startsWith('::ffff:') ? peer.slice(7) : peer; // IPv4 clients of a dual-stack socket
    return list.check(mapped, isIP(mapped) === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Koa's own proxy settings (app.proxy, proxyIpHeader, maxIpsCount) from the configuration. */
export function proxySettings(config: Pick<Config, 'TRUST_PROXY' | 'PROXY_IP_HEADER' | 'PROXY_HOPS'>) {
  const trust = parseTrustProxy(config.TRUST_PROXY);
  return { trust, proxy: !!trust, proxyIpHeader: config.PROXY_IP_HEADER, maxIpsCount: config.PROXY_HOPS };
}

/**
 * With a list of trusted proxies, a request from any other peer keeps the socket's address as ctx.ip (Koa,
 * once app.proxy is on, would believe every peer's header): a client talking to the API directly cannot pick
 * its own rate-limit bucket or audit address.
 */
export function clientAddress(trust: ProxyTrust | undefined): Middleware {
  return async (ctx, next) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (trust && !trust(peer)) ctx.request.ip = peer;
    await next();
  };
}
