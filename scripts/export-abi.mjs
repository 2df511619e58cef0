// Writes core/abi/CredentialRegistry.json from the Hardhat artifact (run `hardhat build` first).
// The Python side deploys the contract from this bytecode with web3.py and reads events with this ABI.
// Output: {contractName, abi, bytecode, deployedBytecode, compiler: {version, evmVersion, optimizer}}.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONTRACT = "CredentialRegistry";
const ARTIFACT = path.join(ROOT, "artifacts", "contracts", `${CONTRACT}.sol`, `${CONTRACT}.json`);
const OUT_DIR = path.join(ROOT, "core", "abi");

async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${path.relative(ROOT, file)} (run \`npm run build\`): ${err.message}`);
  }
}

const artifact = await readJson(ARTIFACT);
// The compiler settings come from the build info the artifact was produced by, not from the config.
const buildInfo = await readJson(path.join(ROOT, "artifacts", "build-info", `${artifact.buildInfoId}.json`));
const settings = buildInfo.input.settings;

if (!/^0x[0-9a-f]{2,}$/i.test(artifact.bytecode)) throw new Error("artifact has no bytecode");

const out = {
  contractName: artifact.contractName,
  abi: artifact.abi,
  bytecode: artifact.bytecode,
  deployedBytecode: artifact.deployedBytecode,
  compiler: {
    version: buildInfo.solcLongVersion,
    evmVersion: settings.evmVersion,
    optimizer: settings.optimizer,
  },
};

await mkdir(OUT_DIR, { recursive: true });
const file = path.join(OUT_DIR, `${CONTRACT}.json`);
await writeFile(file, JSON.stringify(out, null, 2) + "\n");
console.log(
  `wrote ${path.relative(ROOT, file)}: ${out.abi.length} ABI entries, ` +
    `${(out.deployedBytecode.length - 2) / 2} bytes deployed, solc ${out.compiler.version}, ` +
    `evm ${out.compiler.evmVersion}, optimizer ${JSON.stringify(out.compiler.optimizer)}`,
);
