// Runs a real AT Protocol PDS for clairon's Bluesky integration test: a PLC
// directory held in memory and a PDS on SQLite in a fresh temporary
// directory, both in this process and both bound to 127.0.0.1 only.
//
// Usage: node pds.mjs [--port 2583] [--plc-port 0] [--data DIR]
//
// Prints "READY <pds url> <plc url>" once both listen; stops both and
// removes the data directory on SIGTERM or SIGINT. The PLC forgets every
// DID when it stops, so every start is a blank server.

import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

import { Secp256k1Keypair } from '@atproto/crypto'
import * as pds from '@atproto/pds'
import plc from '@did-plc/server'

// Neither server takes a bind address: every listen() they make is pinned
// to the loopback interface here.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '2583' },
    'plc-port': { type: 'string', default: '0' },
    data: { type: 'string' },
  },
})
const port = Number(opts.port)
if (!Number.isInteger(port) || port <= 0) throw new Error(`bad --port ${opts.port}`)

const dataDir = opts.data ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'clairon-pds-')))
await fs.mkdir(path.join(dataDir, 'blobs'), { recursive: true })

const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: Number(opts['plc-port']) })
const plcHTTP = await plcServer.start()
const plcURL = `http://127.0.0.1:${plcHTTP.address().port}`

const rotationKey = await Secp256k1Keypair.create({ exportable: true })
const env = {
  PDS_HOSTNAME: 'localhost',
  PDS_PORT: String(port),
  PDS_DEV_MODE: 'true',
  PDS_DATA_DIRECTORY: dataDir,
  PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, 'blobs'),
  PDS_DID_PLC_URL: plcURL,
  PDS_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  PDS_ADMIN_PASSWORD: crypto.randomBytes(16).toString('hex'),
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: Buffer.from(await rotationKey.export()).toString('hex'),
  PDS_INVITE_REQUIRED: 'false',
  PDS_SERVICE_HANDLE_DOMAINS: '.test',
  PDS_DISABLE_SSRF_PROTECTION: 'true',
  PDS_RATE_LIMITS_ENABLED: 'true',
  PDS_CRAWLERS: '',
}
Object.assign(process.env, env)
const pdsEnv = pds.readEnv()
const server = await pds.PDS.create(pds.envToCfg(pdsEnv), pds.envToSecrets(pdsEnv))
await server.start()

console.log(`READY http://127.0.0.1:${port} ${plcURL}`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  try {
    await server.destroy()
    await plcServer.destroy()
  } finally {
    if (!opts.data) await fs.rm(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
