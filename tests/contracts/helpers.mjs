// Shared fixtures for the CredentialRegistry tests (no tests in this file).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, getAddress, keccak256, stringToHex, zeroHash } from "viem";

export const LEAF_ENCODING = ["bytes32", "bytes32"];
export const KIND = { TRANSCRIPT: 1, DIPLOMA: 2, EXAM_RECORD: 3, CERTIFIED_COPY: 4 };
export const REASON = { FRAUD: 1, NOT_ELIGIBLE: 2, UNAUTHORIZED_ISSUER: 3, ALTERED: 4, LENT: 5, ISSUER_ERROR: 6 };
export const INSTITUTION_KIND = { NONE: 0, AUTHORITY: 1, ISSUER: 2 };

/** Institution id as the Python side makes it: keccak256 of the institution code. */
export const institutionId = (code) => keccak256(stringToHex(code));
/** A decision reference: hash of a decision number. */
export const decisionRef = (number) => keccak256(stringToHex(`QĐ ${number}`));
export const bytes32 = (label) => keccak256(stringToHex(label));

export const IDS = {
  deptHN: institutionId("SGD-HN"), // Sở GD&ĐT Hà Nội
  deptHCM: institutionId("SGD-HCM"), // Sở GD&ĐT TP.HCM
  schoolA: institutionId("THPT-CHU-VAN-AN"), // under SGD-HN
  schoolB: institutionId("THPT-VIET-DUC"), // under SGD-HN
  schoolC: institutionId("THPT-LE-HONG-PHONG"), // under SGD-HCM
};

/** A StandardMerkleTree of `size` (dataHash, pdfHash) documents, labelled for uniqueness. */
export function makeBatch(label, size, extraValues = []) {
  const values = Array.from({ length: size }, (_, i) => [bytes32(`${label}/data/${i}`), bytes32(`${label}/pdf/${i}`)]);
  values.push(...extraValues);
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  return {
    tree,
    values,
    root: tree.root,
    count: values.length,
    leaf: (i) => tree.leafHash(values[i]),
    proof: (i) => tree.getProof(i),
  };
}

/** The StandardMerkleTree leaf computed independently: keccak256(bytes.concat(keccak256(abi.encode(a, b)))). */
export const leafHash = ([a, b]) =>
  keccak256(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [a, b])));

export function loadVectors() {
  return JSON.parse(readFileSync(new URL("../vectors/merkle.json", import.meta.url), "utf8"));
}

/** Asserts the fields of `expected` on a CredentialStatus (numbers compared as bigint where needed). */
export function assertStatus(status, expected) {
  for (const [key, value] of Object.entries(expected)) {
    const actual = status[key];
    const norm = (v) => (typeof v === "number" ? BigInt(v) : typeof v === "string" ? v.toLowerCase() : v);
    assert.equal(norm(actual), norm(value), `status.${key}`);
  }
}

export const EMPTY_STATUS_TAIL = {
  revoked: false,
  revocationReason: 0,
  revocationDecision: zeroHash,
  revokedAt: 0n,
  revokedBy: zeroHash,
  supersededBy: zeroHash,
  supersededInRoot: zeroHash,
  supersedeDecision: zeroHash,
  supersededAt: 0n,
  supersededByInstitution: zeroHash,
  cancelled: false,
};

/**
 * Deploys the registry and the institution tree:
 *   Ministry (deployer)
 *   ├── SGD-HN (deptHN)  ├── schoolA  └── schoolB
 *   └── SGD-HCM (deptHCM) └── schoolC
 * plus a stranger with no role. Returns viem clients per actor.
 */
export function makeDeployFixture(viem) {
  return async function deployRegistry() {
    const [ministry, deptHN, deptHCM, schoolA, schoolB, schoolC, stranger, spare] = await viem.getWalletClients();
    const publicClient = await viem.getPublicClient();
    const registry = await viem.deployContract("CredentialRegistry", [], { client: { wallet: ministry } });
    const as = (wallet) => ({ account: wallet.account });

    await registry.write.registerAuthority([IDS.deptHN, deptHN.account.address], as(ministry));
    await registry.write.registerAuthority([IDS.deptHCM, deptHCM.account.address], as(ministry));
    await registry.write.registerIssuer([IDS.schoolA, schoolA.account.address, 0n, 0n], as(deptHN));
    await registry.write.registerIssuer([IDS.schoolB, schoolB.account.address, 0n, 0n], as(deptHN));
    await registry.write.registerIssuer([IDS.schoolC, schoolC.account.address, 0n, 0n], as(deptHCM));

    const actors = { ministry, deptHN, deptHCM, schoolA, schoolB, schoolC, stranger, spare };
    const addr = Object.fromEntries(Object.entries(actors).map(([k, w]) => [k, getAddress(w.account.address)]));
    return { registry, publicClient, actors, addr, as };
  };
}

export async function latestTimestamp(publicClient) {
  return (await publicClient.getBlock()).timestamp;
}
