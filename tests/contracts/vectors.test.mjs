// The golden Merkle vectors (tests/vectors/merkle.json, shared with pytest) against the contract.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, keccak256 } from "viem";
import { IDS, KIND, REASON, bytes32, decisionRef, leafHash, loadVectors, makeDeployFixture } from "./helpers.mjs";

const { viem, networkHelpers } = await network.create();
const deployRegistry = makeDeployFixture(viem);
const vectors = loadVectors();

describe("Merkle golden vectors", () => {
  it("cover the tree sizes 1, 2, 3, 4, 5, 7, 8 and 13 with (bytes32, bytes32) leaves", () => {
    assert.deepEqual(vectors.leafEncoding, ["bytes32", "bytes32"]);
    assert.deepEqual(vectors.trees.map((t) => t.values.length), [1, 2, 3, 4, 5, 7, 8, 13]);
  });

  for (const t of vectors.trees) {
    it(`are self-consistent for a tree of ${t.values.length} (leaf hash, tree array, root)`, () => {
      t.values.forEach((v, i) => {
        assert.equal(leafHash(v), t.leafHashes[i], `leafHashes[${i}]`);
        assert.equal(t.tree[t.treeIndices[i]], t.leafHashes[i], `tree[treeIndices[${i}]]`);
      });
      assert.equal(t.tree[0], t.root);
      assert.equal(t.tree.length, 2 * t.values.length - 1);
      const rebuilt = StandardMerkleTree.of(t.values, vectors.leafEncoding);
      assert.equal(rebuilt.root, t.root);
      assert.deepEqual(rebuilt.dump().tree, t.tree);
    });

    it(`are accepted by the contract for a tree of ${t.values.length}: every proof revokes its leaf`, async () => {
      const { registry, actors, as } = await networkHelpers.loadFixture(deployRegistry);
      const s = as(actors.schoolA);
      await registry.write.anchor([t.root, t.values.length, KIND.TRANSCRIPT], s);
      for (let i = 0; i < t.values.length; i++) {
        await viem.assertions.emitWithArgs(
          registry.write.revoke([t.root, t.leafHashes[i], t.proofs[i], REASON.FRAUD, decisionRef(i)], s),
          registry, "CredentialRevoked", [t.root, t.leafHashes[i], IDS.schoolA, REASON.FRAUD, decisionRef(i)]);
        assert.equal((await registry.read.credentialStatus([t.root, t.leafHashes[i]])).revoked, true);
      }
    });

    it(`are refused by the contract for a tree of ${t.values.length} with a wrong leaf or a tampered proof`, async () => {
      const { registry, actors, as } = await networkHelpers.loadFixture(deployRegistry);
      const s = as(actors.schoolA);
      await registry.write.anchor([t.root, t.values.length, KIND.TRANSCRIPT], s);
      const n = t.values.length;
      const wrongLeaf = n > 1 ? t.leafHashes[1] : bytes32("not a leaf");
      await viem.assertions.revertWithCustomError(
        registry.write.revoke([t.root, wrongLeaf, t.proofs[0], REASON.FRAUD, decisionRef(0)], s), registry, "RegistryInvalidProof");
      // The single-hashed pair keccak256(abi.encode(a, b)) is not the leaf: leaves are double-hashed.
      const singleHashed = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], t.values[0]));
      await viem.assertions.revertWithCustomError(
        registry.write.revoke([t.root, singleHashed, t.proofs[0], REASON.FRAUD, decisionRef(0)], s), registry, "RegistryInvalidProof");
      if (n > 1) {
        const last = t.proofs[n - 1];
        const tampered = last.map((p, k) => (k === last.length - 1 ? bytes32("x") : p));
        await viem.assertions.revertWithCustomError(
          registry.write.revoke([t.root, t.leafHashes[n - 1], tampered, REASON.FRAUD, decisionRef(0)], s), registry, "RegistryInvalidProof");
      }
    });
  }
});
