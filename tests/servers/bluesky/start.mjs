// Starts the reference AT Protocol stack (PLC, PDS, AppView, bsync, ozone) in
// one Node process on loopback, prints one READY line with its URLs, and stops
// on SIGTERM/SIGINT. Ports and the database come from the environment so the
// Python test harness (tests/servers/bluesky.py) decides them.
import { TestNetwork } from '@atproto/dev-env'

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
