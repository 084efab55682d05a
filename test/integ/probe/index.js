'use strict';
// Connects to PostgreSQL twice, with Node's built-ins only (the probe must not trust a client library
// to decide what "refused" and "verified" mean):
// 1. a plaintext StartupMessage, which the server must refuse (an ErrorResponse or a closed connection,
//    never an authentication request);
// 2. PostgreSQL's SSLRequest, answered 'S', then TLS checked against the published CA and the server
//    name (libpq's sslmode=verify-full).
const net = require('net');
const tls = require('tls');

const SSL_REQUEST_CODE = 80877103;
const PROTOCOL_3_0 = 196608;

function startupMessage(user, database) {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, params]);
}

function sslRequest() {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}

/** Resolves with the first bytes the server sends, or with an empty buffer if it closes without any. */
function firstReply(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no reply within ${timeoutMs} ms`)); }, timeoutMs);
    const done = (value) => { clearTimeout(timer); socket.removeAllListeners(); resolve(value); };
    socket.once('data', (data) => done(data));
    socket.once('end', () => done(Buffer.alloc(0)));
    socket.once('close', () => done(Buffer.alloc(0)));
    socket.once('error', (err) => {
      clearTimeout(timer);
      // A reset is a refusal too.
      if (err.code === 'ECONNRESET') done(Buffer.alloc(0)); else reject(err);
    });
  });
}

function connect(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`)); }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); socket.removeAllListeners('error'); resolve(socket); });
    socket.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/** 'refused' when the server will not talk PostgreSQL in plaintext; throws if it asks for credentials. */
async function plaintextIsRefused({ host, port, user, database, timeoutMs }) {
  const socket = await connect(host, port, timeoutMs);
  socket.write(startupMessage(user, database));
  const reply = await firstReply(socket, timeoutMs);
  socket.destroy();
  const type = reply.length > 0 ? String.fromCharCode(reply[0]) : '';
  if (type === 'E' || type === '') return 'refused';
  throw new Error(`the server answered a plaintext StartupMessage with message type '${type}' instead of refusing it`);
}

/** 'verified' when TLS is offered and the server's certificate chains to the CA and names the server. */
async function tlsIsVerified({ host, port, serverName, ca, timeoutMs }) {
  const socket = await connect(host, port, timeoutMs);
  socket.write(sslRequest());
  const reply = await firstReply(socket, timeoutMs);
  if (reply.length !== 1 || reply[0] !== 'S'.charCodeAt(0)) {
    socket.destroy();
    throw new Error(`the server answered SSLRequest with '${reply.toString('latin1')}' instead of 'S'`);
  }
  const secure = tls.connect({ socket, servername: serverName, ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { secure.destroy(); reject(new Error(`no TLS handshake within ${timeoutMs} ms`)); }, timeoutMs);
    secure.once('secureConnect', () => { clearTimeout(timer); resolve(); });
    secure.once('error', (err) => { clearTimeout(timer); reject(new Error(`TLS verify-full failed: ${err.message}`)); });
  });
  // Node checks the chain with `ca` and the name with `servername` (tls.checkServerIdentity) before secureConnect.
  secure.destroy();
  return 'verified';
}

exports.plaintextIsRefused = plaintextIsRefused;
exports.tlsIsVerified = tlsIsVerified;

exports.handler = async (event = {}) => {
  const options = {
    host: event.host ?? process.env.DB_HOST,
    port: Number(event.port ?? process.env.DB_PORT ?? 5432),
    serverName: event.serverName ?? process.env.DB_SERVER_NAME,
    ca: process.env.DB_CA_PEM,
    user: 'probe',
    database: 'postgres',
    timeoutMs: 10_000,
  };
  return { plaintext: await plaintextIsRefused(options), tls: await tlsIsVerified(options) };
};
