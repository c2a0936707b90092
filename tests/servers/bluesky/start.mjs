// Starts the reference AT Protocol stack (PLC, PDS, AppView, bsync, ozone) in
// one Node process on loopback, prints one READY line with its URLs, and stops
// on SIGTERM/SIGINT. Ports and the database come from the environment so the
// Python test harness (tests/servers/bluesky.py) decides them.
import net from 'node:net'

// Loopback only. The PDS, AppView, ozone, bsync and their helpers call
// `listen(port)` with no host, which binds every interface. Every Node server
// (http, https, http2 all inherit net.Server) told to listen on a port without
// a host listens on 127.0.0.1 instead. Paths (IPC) and handles are untouched.
const LOOPBACK = '127.0.0.1'
const listen = net.Server.prototype.listen
const isPort = (value) =>
  typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
const isHostless = (options) =>
  options.host === undefined &&
  options.path === undefined &&
  options.fd === undefined &&
  options.handle === undefined &&
  options._handle === undefined
net.Server.prototype.listen = function loopbackListen(...args) {
  const [first] = args
  const rest = args.slice(1)
  if (first === undefined || typeof first === 'function') {
    // listen() / listen(callback): a random port, on every interface by default.
    return listen.call(this, 0, LOOPBACK, ...(first === undefined ? rest : args))
  }
  if (isPort(first)) {
    // listen(port[, host][, backlog][, callback])
    if (typeof rest[0] === 'string') return listen.apply(this, args)
    if (rest.length > 0 && (rest[0] === undefined || rest[0] === null)) rest.shift()
    return listen.call(this, first, LOOPBACK, ...rest)
  }
  if (first !== null && typeof first === 'object' && isHostless(first)) {
    // listen({port[, backlog, …]}[, callback])
    return listen.call(this, { ...first, host: LOOPBACK }, ...rest)
  }
  return listen.apply(this, args)
}

// Imported after the patch above, so no module can hold on to the original.
const { TestNetwork } = await import('@atproto/dev-env')

const env = (name, fallback) => process.env[name] ?? fallback
const port = (name, fallback) => Number.parseInt(env(name, String(fallback)), 10)

const plcPort = port('BSKY_PLC_PORT', 2582)
const pdsPort = port('BSKY_PDS_PORT', 2583)
const appviewPort = port('BSKY_APPVIEW_PORT', 2584)
const ozonePort = port('BSKY_OZONE_PORT', 2587)

const network = await TestNetwork.create({
  dbPostgresUrl: env('DB_POSTGRES_URL'),
  dbPostgresSchema: env('DB_POSTGRES_SCHEMA', 'decentsocial'),
  plc: { port: plcPort },
  pds: {
    port: pdsPort,
    hostname: 'localhost',
    inviteRequired: false,
  },
  bsky: { port: appviewPort, publicUrl: `http://localhost:${appviewPort}` },
  ozone: {
    port: ozonePort,
    chatUrl: 'http://localhost:2590',
    chatDid: 'did:example:chat',
  },
})

let stopping = false
const stop = async (signal) => {
  if (stopping) return
  stopping = true
  console.log(`STOPPING on ${signal}`)
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))

console.log(
  'READY ' +
    JSON.stringify({
      plc: network.plc.url,
      pds: network.pds.url,
      appview: network.bsky.url,
      ozone: network.ozone.url,
    }),
)
