// Gas benchmark of CredentialRegistry on Hardhat's in-process network (`npm run bench:gas`).
//
// anchor: batches of 1, 1,000 and 1,000,000 leaves; the root record is one storage slot, so gas must
// not grow with the batch (only calldata differs: a larger leafCount has more non-zero bytes).
// revoke: proofs of depth 1, 10 and 20 (batches of 2, 1,024 and 1,048,576 leaves), built directly
// as sorted-pair keccak paths, which is what OpenZeppelin MerkleProof verifies.
// Fails (non-zero exit) if any anchor costs more than ANCHOR_GAS_LIMIT.
import { network } from "hardhat";
import { concat, encodeAbiParameters, keccak256, stringToHex } from "viem";

const ANCHOR_GAS_LIMIT = 60_000n;
const KIND_DIPLOMA = 2;
const REASON_FRAUD = 1;

const { viem } = await network.create();
const [ministry, department, school] = await viem.getWalletClients();
const publicClient = await viem.getPublicClient();
const registry = await viem.deployContract("CredentialRegistry", [], { client: { wallet: ministry } });
const id = (code) => keccak256(stringToHex(code));
const h = (label) => keccak256(stringToHex(label));

async function gasOf(hashPromise) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hashPromise });
  if (receipt.status !== "success") throw new Error("transaction reverted");
  return receipt.gasUsed;
}

await registry.write.registerAuthority([id("SGD-HN"), department.account.address], { account: ministry.account });
await registry.write.registerIssuer([id("THPT-A"), school.account.address, 0n, 0n], { account: department.account });
const asSchool = { account: school.account };

/** A leaf with a proof of `depth` random siblings and the root they lead to (sorted-pair keccak). */
function syntheticProof(label, depth) {
  const leaf = keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [h(`${label}/data`), h(`${label}/pdf`)])));
  const proof = Array.from({ length: depth }, (_, i) => h(`${label}/sibling/${i}`));
  const root = proof.reduce((node, sibling) => keccak256(node < sibling ? concat([node, sibling]) : concat([sibling, node])), leaf);
  return { leaf, proof, root };
}

const rows = [];
let failed = false;

for (const leafCount of [1, 1_000, 1_000_000]) {
  const gas = await gasOf(registry.write.anchor([h(`anchor/${leafCount}`), leafCount, KIND_DIPLOMA], asSchool));
  const ok = gas <= ANCHOR_GAS_LIMIT;
  failed ||= !ok;
  rows.push({ call: "anchor", size: `${leafCount.toLocaleString("en-US")} ${leafCount === 1 ? "leaf" : "leaves"}`, gas, note: ok ? `<= ${ANCHOR_GAS_LIMIT}` : `> ${ANCHOR_GAS_LIMIT} LIMIT EXCEEDED` });
}

for (const depth of [1, 10, 20]) {
  const { leaf, proof, root } = syntheticProof(`revoke/${depth}`, depth);
  await registry.write.anchor([root, 2 ** depth, KIND_DIPLOMA], asSchool);
  const gas = await gasOf(registry.write.revoke([root, leaf, proof, REASON_FRAUD, h(`decision/${depth}`)], asSchool));
  rows.push({ call: "revoke", size: `proof depth ${depth}`, gas, note: "" });
}

{
  const old = syntheticProof("supersede/old", 10);
  const neu = syntheticProof("supersede/new", 10);
  await registry.write.anchor([old.root, 1024, KIND_DIPLOMA], asSchool);
  await registry.write.anchor([neu.root, 1024, KIND_DIPLOMA], asSchool);
  const gas = await gasOf(
    registry.write.supersede([old.root, old.leaf, old.proof, neu.root, neu.leaf, neu.proof, h("decision/fix")], asSchool),
  );
  rows.push({ call: "supersede", size: "proof depths 10 + 10", gas, note: "" });
}

const width = [10, 22, 8];
const line = (cells) => cells.map((c, i) => (i === 2 ? String(c).padStart(width[i]) : String(c).padEnd(width[i] ?? 0))).join("  ");
console.log("CredentialRegistry gas (Hardhat in-process EVM, solc 0.8.28, optimizer 200 runs, evm paris)");
console.log(line(["call", "batch / proof", "gas used", "check"]));
console.log(line(["-".repeat(width[0]), "-".repeat(width[1]), "-".repeat(width[2]), "-".repeat(10)]));
for (const r of rows) console.log(line([r.call, r.size, r.gas.toLocaleString("en-US"), r.note]));
console.log("(anchor differs by 12 gas per extra non-zero calldata byte of leafCount; storage and event cost are constant)");

if (failed) {
  console.error(`anchor exceeded ${ANCHOR_GAS_LIMIT} gas`);
  process.exitCode = 1;
}
