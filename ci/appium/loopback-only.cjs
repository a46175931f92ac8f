'use strict';
// Preloaded (NODE_OPTIONS=--require) into every Appium server linkedin-optout starts itself.
// appium-xcuitest-driver opens its MJPEG port forwarder with `server.listen(port)` and no host, which
// binds every interface (device-connections-factory.js, LegacyPortForwarder.start); no capability
// changes that. Here a listen() that names no host, or a wildcard one (0.0.0.0, ::), binds 127.0.0.1
// instead. Unix sockets, handles and explicit addresses are left alone. Each rewrite is logged once to
// stderr (the Appium console file), so a run can show what was kept on loopback.
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const WILDCARD = new Set(['', '0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']);
const original = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
}

function loopbackArgs(args) {
  const first = args[0];
  if (first === undefined || typeof first === 'function') {
    return [0, LOOPBACK, ...args.slice(first === undefined ? 1 : 0)];
  }
  if (isPort(first)) {
    const second = args[1];
    if (typeof second === 'string') {
      return WILDCARD.has(second) ? [first, LOOPBACK, ...args.slice(2)] : args;
    }
    return [first, LOOPBACK, ...args.slice(1)];
  }
  if (first !== null && typeof first === 'object' && !('path' in first) && !('fd' in first) && !('_handle' in first)
      && !('handle' in first) && (first.host === undefined || WILDCARD.has(first.host))) {
    return [{...first, host: LOOPBACK}, ...args.slice(1)];
  }
  return args;
}

net.Server.prototype.listen = function listen(...args) {
  const changed = loopbackArgs(args);
  if (changed !== args) {
    const port = isPort(args[0]) ? args[0] : (args[0] && typeof args[0] === 'object' ? args[0].port : 0);
    process.stderr.write(`[loopback-only] listen(${port ?? 0}) -> ${LOOPBACK}\n`);
  }
  return original.apply(this, changed);
};
