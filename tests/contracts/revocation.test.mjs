// CredentialRegistry: revocation (thu hồi) and supersession (chỉnh sửa) of single documents.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroHash } from "viem";
import {
  EMPTY_STATUS_TAIL,
  IDS,
  KIND,
  REASON,
  assertStatus,
  bytes32,
  decisionRef,
  latestTimestamp,
  makeBatch,
  makeDeployFixture,
} from "./helpers.mjs";

const { viem, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;
const deployRegistry = makeDeployFixture(viem);
const DECISION = decisionRef("123/QĐ-SGDĐT");
const FIX = decisionRef("45/QĐ-THPT");

/**
 * Anchored batches:
 *   a, a2 by schoolA (a2: a later correction batch); b by schoolB (same authority);
 *   c by schoolC (other authority); d by deptHN itself.
 */
async function deployAnchored() {
  const base = await deployRegistry();
  const { registry, actors, as } = base;
  const batches = {
    a: makeBatch("schoolA/2025", 5),
    a2: makeBatch("schoolA/2025-corrections", 3),
    b: makeBatch("schoolB/2025", 4),
    c: makeBatch("schoolC/2025", 4),
    d: makeBatch("deptHN/2025", 2),
  };
  const by = { a: "schoolA", a2: "schoolA", b: "schoolB", c: "schoolC", d: "deptHN" };
  for (const [name, batch] of Object.entries(batches)) {
    await registry.write.anchor([batch.root, batch.count, KIND.DIPLOMA], as(actors[by[name]]));
  }
  return { ...base, batches };
}

describe("CredentialRegistry: revoke", () => {
  for (const [who, id] of [["schoolA", IDS.schoolA], ["deptHN", IDS.deptHN]]) {
    it(`lets ${who} revoke a document of schoolA, and the status view shows it`, async () => {
      const { registry, publicClient, actors, addr, as, batches: { a } } = await loadFixture(deployAnchored);
      await viem.assertions.emitWithArgs(
        registry.write.revoke([a.root, a.leaf(2), a.proof(2), REASON.FRAUD, DECISION], as(actors[who])),
        registry, "CredentialRevoked", [a.root, a.leaf(2), id, REASON.FRAUD, DECISION]);
      const now = await latestTimestamp(publicClient);
      assertStatus(await registry.read.credentialStatus([a.root, a.leaf(2)]), {
        anchored: true, issuerId: IDS.schoolA, authorityId: IDS.deptHN, issuerAccount: addr.schoolA, leafCount: 5,
        ...EMPTY_STATUS_TAIL,
        revoked: true, revocationReason: REASON.FRAUD, revocationDecision: DECISION, revokedAt: now, revokedBy: id,
      });
      // The other documents of the batch are untouched.
      assertStatus(await registry.read.credentialStatus([a.root, a.leaf(1)]), { anchored: true, ...EMPTY_STATUS_TAIL });
    });
  }

  for (const who of ["schoolB", "schoolC", "deptHCM", "ministry", "stranger"]) {
    it(`refuses revocation of schoolA's document by ${who}`, async () => {
      const { registry, actors, addr, as, batches: { a } } = await loadFixture(deployAnchored);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.FRAUD, DECISION], as(actors[who])),
        registry, "RegistryUnauthorized", [addr[who]]);
      assert.equal((await registry.read.credentialStatus([a.root, a.leaf(0)])).revoked, false);
    });
  }

  it("lets only the authority itself revoke in a root it anchored (not the Ministry, not its schools)", async () => {
    const { registry, actors, addr, as, batches: { d } } = await loadFixture(deployAnchored);
    for (const who of ["ministry", "schoolA", "deptHCM"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.revoke([d.root, d.leaf(0), d.proof(0), REASON.FRAUD, DECISION], as(actors[who])),
        registry, "RegistryUnauthorized", [addr[who]]);
    }
    await registry.write.revoke([d.root, d.leaf(0), d.proof(0), REASON.FRAUD, DECISION], as(actors.deptHN));
    assertStatus(await registry.read.credentialStatus([d.root, d.leaf(0)]), { revoked: true, revokedBy: IDS.deptHN, authorityId: zeroHash });
  });

  it("refuses a bad proof, a proof for another leaf, an unknown root, reason 0 and no decision", async () => {
    const { registry, actors, as, batches: { a } } = await loadFixture(deployAnchored);
    const s = as(actors.schoolA);
    const tampered = [...a.proof(0)];
    tampered[0] = bytes32("tampered");
    await viem.assertions.revertWithCustomError(
      registry.write.revoke([a.root, a.leaf(0), tampered, REASON.FRAUD, DECISION], s), registry, "RegistryInvalidProof");
    await viem.assertions.revertWithCustomError(
      registry.write.revoke([a.root, a.leaf(0), a.proof(1), REASON.FRAUD, DECISION], s), registry, "RegistryInvalidProof");
    await viem.assertions.revertWithCustomError(
      registry.write.revoke([a.root, bytes32("not in batch"), a.proof(0), REASON.FRAUD, DECISION], s), registry, "RegistryInvalidProof");
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revoke([bytes32("unknown root"), a.leaf(0), a.proof(0), REASON.FRAUD, DECISION], s),
      registry, "RegistryRootNotAnchored", [bytes32("unknown root")]);
    await viem.assertions.revertWithCustomError(
      registry.write.revoke([a.root, a.leaf(0), a.proof(0), 0, DECISION], s), registry, "RegistryInvalidReason");
    await viem.assertions.revertWithCustomError(
      registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.FRAUD, zeroHash], s), registry, "RegistryMissingDecision");
  });

  it("refuses revoking twice, whoever tries second", async () => {
    const { registry, actors, as, batches: { a } } = await loadFixture(deployAnchored);
    await registry.write.revoke([a.root, a.leaf(3), a.proof(3), REASON.FRAUD, DECISION], as(actors.schoolA));
    for (const who of ["schoolA", "deptHN"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.revoke([a.root, a.leaf(3), a.proof(3), REASON.ISSUER_ERROR, FIX], as(actors[who])),
        registry, "RegistryLeafAlreadyRevoked", [a.leaf(3)]);
    }
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(3)]), { revocationReason: REASON.FRAUD, revokedBy: IDS.schoolA });
  });

  it("stops a suspended school from revoking; its authority still can", async () => {
    const { registry, actors, as, batches: { a } } = await loadFixture(deployAnchored);
    await registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.FRAUD, DECISION], as(actors.schoolA)),
      registry, "RegistryIssuerInactive", [IDS.schoolA]);
    await registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.FRAUD, DECISION], as(actors.deptHN));
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(0)]), { revoked: true, issuerSuspended: true });
  });

  it("scopes a revocation to the anchoring issuer: another school cannot revoke a copied leaf", async () => {
    const { registry, actors, as, batches: { a } } = await loadFixture(deployAnchored);
    // schoolC puts schoolA's document into a batch of its own, anchors it and revokes it there.
    const stolen = makeBatch("schoolC/copy", 2, [a.values[0]]);
    const i = stolen.values.length - 1;
    assert.equal(stolen.leaf(i), a.leaf(0));
    await registry.write.anchor([stolen.root, stolen.count, KIND.DIPLOMA], as(actors.schoolC));
    await registry.write.revoke([stolen.root, a.leaf(0), stolen.proof(i), REASON.FRAUD, DECISION], as(actors.schoolC));

    assert.equal((await registry.read.credentialStatus([stolen.root, a.leaf(0)])).revoked, true);
    assert.equal((await registry.read.credentialStatus([a.root, a.leaf(0)])).revoked, false, "schoolA's document untouched");
    // ... and schoolA can still revoke its own.
    await registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.ISSUER_ERROR, FIX], as(actors.schoolA));
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(0)]), { revoked: true, revokedBy: IDS.schoolA, revocationReason: REASON.ISSUER_ERROR });
  });

  it("applies a revocation to the same document in every root of the same issuer", async () => {
    const { registry, actors, as, batches: { a } } = await loadFixture(deployAnchored);
    const again = makeBatch("schoolA/re-anchored", 1, [a.values[4]]);
    await registry.write.anchor([again.root, again.count, KIND.DIPLOMA], as(actors.schoolA));
    await registry.write.revoke([a.root, a.leaf(4), a.proof(4), REASON.FRAUD, DECISION], as(actors.schoolA));
    assert.equal((await registry.read.credentialStatus([again.root, a.leaf(4)])).revoked, true);
  });
});

describe("CredentialRegistry: supersede", () => {
  const call = (registry, old, i, neu, j, decision = FIX) =>
    registry.write.supersede.bind(null, [old.root, old.leaf(i), old.proof(i), neu.root, neu.leaf(j), neu.proof(j), decision]);

  it("lets schoolA correct its document into its own correction batch", async () => {
    const { registry, publicClient, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    await viem.assertions.emitWithArgs(
      call(registry, a, 1, a2, 0)(as(actors.schoolA)),
      registry, "CredentialSuperseded", [a.root, a.leaf(1), a2.leaf(0), a2.root, IDS.schoolA, FIX]);
    const now = await latestTimestamp(publicClient);
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(1)]), {
      anchored: true, issuerId: IDS.schoolA, ...EMPTY_STATUS_TAIL,
      supersededBy: a2.leaf(0), supersededInRoot: a2.root, supersedeDecision: FIX, supersededAt: now,
      supersededByInstitution: IDS.schoolA,
    });
    // The corrected document itself is live.
    assertStatus(await registry.read.credentialStatus([a2.root, a2.leaf(0)]), { anchored: true, ...EMPTY_STATUS_TAIL });
  });

  for (const target of ["a2", "b", "d"]) {
    it(`lets deptHN correct schoolA's document into a root of its tree (${target})`, async () => {
      const { registry, actors, as, batches } = await loadFixture(deployAnchored);
      await viem.assertions.emitWithArgs(
        call(registry, batches.a, 0, batches[target], 1)(as(actors.deptHN)),
        registry, "CredentialSuperseded", [batches.a.root, batches.a.leaf(0), batches[target].leaf(1), batches[target].root, IDS.deptHN, FIX]);
      assertStatus(await registry.read.credentialStatus([batches.a.root, batches.a.leaf(0)]), {
        supersededBy: batches[target].leaf(1), supersededInRoot: batches[target].root, supersededByInstitution: IDS.deptHN,
      });
    });
  }

  it("refuses a school correcting into another school's root, and an authority into another tree", async () => {
    const { registry, actors, addr, as, batches: { a, b, c, d } } = await loadFixture(deployAnchored);
    for (const target of [b, c, d]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        call(registry, a, 0, target, 0)(as(actors.schoolA)), registry, "RegistryUnauthorized", [addr.schoolA]);
    }
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 0, c, 0)(as(actors.deptHN)), registry, "RegistryUnauthorized", [addr.deptHN]);
  });

  for (const who of ["schoolB", "schoolC", "deptHCM", "ministry", "stranger"]) {
    it(`refuses correction of schoolA's document by ${who}`, async () => {
      const { registry, actors, addr, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
      await viem.assertions.revertWithCustomErrorWithArgs(
        call(registry, a, 0, a2, 0)(as(actors[who])), registry, "RegistryUnauthorized", [addr[who]]);
    });
  }

  it("refuses superseding twice, superseding a revoked leaf, and revoking a superseded leaf", async () => {
    const { registry, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    const s = as(actors.schoolA);
    await call(registry, a, 0, a2, 0)(s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 0, a2, 1)(as(actors.deptHN)), registry, "RegistryLeafAlreadySuperseded", [a.leaf(0)]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revoke([a.root, a.leaf(0), a.proof(0), REASON.FRAUD, DECISION], s), registry, "RegistryLeafAlreadySuperseded", [a.leaf(0)]);

    await registry.write.revoke([a.root, a.leaf(1), a.proof(1), REASON.FRAUD, DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 1, a2, 1)(s), registry, "RegistryLeafAlreadyRevoked", [a.leaf(1)]);
  });

  it("refuses a revoked or superseded document as the correction, which also rules out cycles", async () => {
    const { registry, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    const s = as(actors.schoolA);
    await registry.write.revoke([a2.root, a2.leaf(2), a2.proof(2), REASON.FRAUD, DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 0, a2, 2)(s), registry, "RegistryLeafAlreadyRevoked", [a2.leaf(2)]);

    await call(registry, a, 0, a2, 0)(s); // a0 -> a2_0
    await call(registry, a2, 0, a, 1)(s); // a2_0 -> a1: a chain is fine
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 1, a, 0)(s), registry, "RegistryLeafAlreadySuperseded", [a.leaf(0)]); // a1 -> a0 would close a cycle
  });

  it("refuses a leaf superseding itself, an unknown new root, bad proofs and no decision", async () => {
    const { registry, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    const s = as(actors.schoolA);
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 0, a, 0)(s), registry, "RegistrySelfSupersession", [a.leaf(0)]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.supersede([a.root, a.leaf(0), a.proof(0), bytes32("nowhere"), a2.leaf(0), a2.proof(0), FIX], s),
      registry, "RegistryRootNotAnchored", [bytes32("nowhere")]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.supersede([bytes32("nowhere"), a.leaf(0), a.proof(0), a2.root, a2.leaf(0), a2.proof(0), FIX], s),
      registry, "RegistryRootNotAnchored", [bytes32("nowhere")]);
    await viem.assertions.revertWithCustomError(
      registry.write.supersede([a.root, a.leaf(0), a.proof(1), a2.root, a2.leaf(0), a2.proof(0), FIX], s),
      registry, "RegistryInvalidProof");
    await viem.assertions.revertWithCustomError(
      registry.write.supersede([a.root, a.leaf(0), a.proof(0), a2.root, a2.leaf(0), a2.proof(1), FIX], s),
      registry, "RegistryInvalidProof");
    await viem.assertions.revertWithCustomError(call(registry, a, 0, a2, 0, zeroHash)(s), registry, "RegistryMissingDecision");
  });

  it("stops a suspended school from correcting; its authority still can", async () => {
    const { registry, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    await registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN));
    await viem.assertions.revertWithCustomErrorWithArgs(
      call(registry, a, 0, a2, 0)(as(actors.schoolA)), registry, "RegistryIssuerInactive", [IDS.schoolA]);
    await call(registry, a, 0, a2, 0)(as(actors.deptHN));
  });

  it("shows revocation and correction side by side in one status call", async () => {
    const { registry, actors, as, batches: { a, a2 } } = await loadFixture(deployAnchored);
    const s = as(actors.schoolA);
    await call(registry, a, 0, a2, 0)(s);
    await registry.write.revoke([a2.root, a2.leaf(0), a2.proof(0), REASON.ISSUER_ERROR, DECISION], as(actors.deptHN));
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(0)]), { revoked: false, supersededBy: a2.leaf(0) });
    assertStatus(await registry.read.credentialStatus([a2.root, a2.leaf(0)]), {
      revoked: true, revokedBy: IDS.deptHN, revocationReason: REASON.ISSUER_ERROR, supersededBy: zeroHash,
    });
  });
});
