// CredentialRegistry: cancellation (hủy bỏ), told apart from revocation (thu hồi) on chain.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import {
  EMPTY_STATUS_TAIL,
  IDS,
  KIND,
  REASON,
  assertStatus,
  decisionRef,
  latestTimestamp,
  makeBatch,
  makeDeployFixture,
} from "./helpers.mjs";

const { viem, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;
const deployRegistry = makeDeployFixture(viem);
const DECISION = decisionRef("77/QĐ-SGDĐT hủy bỏ văn bằng");

/** deptHN anchors its own diplomas (an authority issues THPT diplomas itself); schoolC is under deptHCM. */
async function deployAnchored() {
  const base = await deployRegistry();
  const { registry, actors, as } = base;
  const d = makeBatch("deptHN/diplomas-2026", 4);
  const a = makeBatch("schoolA/2026", 3);
  await registry.write.anchor([d.root, d.count, KIND.DIPLOMA], as(actors.deptHN));
  await registry.write.anchor([a.root, a.count, KIND.DIPLOMA], as(actors.schoolA));
  return { ...base, d, a };
}

describe("CredentialRegistry: cancel", () => {
  it("lets the issuing authority cancel its diploma; the status says cancelled, with reason and decision", async () => {
    const { registry, publicClient, actors, as, d } = await loadFixture(deployAnchored);
    await viem.assertions.emitWithArgs(
      registry.write.cancel([d.root, d.leaf(1), d.proof(1), REASON.NOT_ELIGIBLE, DECISION], as(actors.deptHN)),
      registry, "CredentialCancelled", [d.root, d.leaf(1), IDS.deptHN, REASON.NOT_ELIGIBLE, DECISION]);
    const now = await latestTimestamp(publicClient);
    assertStatus(await registry.read.credentialStatus([d.root, d.leaf(1)]), {
      ...EMPTY_STATUS_TAIL, anchored: true, revoked: true, cancelled: true, revocationReason: REASON.NOT_ELIGIBLE,
      revocationDecision: DECISION, revokedAt: now, revokedBy: IDS.deptHN,
    });
    assertStatus(await registry.read.credentialStatus([d.root, d.leaf(0)]), { anchored: true, ...EMPTY_STATUS_TAIL });
  });

  it("keeps a revocation a revocation: cancelled stays false", async () => {
    const { registry, actors, as, d } = await loadFixture(deployAnchored);
    await registry.write.revoke([d.root, d.leaf(2), d.proof(2), REASON.FRAUD, DECISION], as(actors.deptHN));
    assertStatus(await registry.read.credentialStatus([d.root, d.leaf(2)]), { revoked: true, cancelled: false });
  });

  it("lets a school's authority cancel the school's document", async () => {
    const { registry, actors, as, a } = await loadFixture(deployAnchored);
    await registry.write.cancel([a.root, a.leaf(0), a.proof(0), REASON.ALTERED, DECISION], as(actors.deptHN));
    assertStatus(await registry.read.credentialStatus([a.root, a.leaf(0)]), { cancelled: true, revokedBy: IDS.deptHN });
  });

  for (const who of ["deptHCM", "schoolA", "schoolC", "ministry", "stranger"]) {
    it(`refuses cancellation of the authority's diploma by ${who}`, async () => {
      const { registry, actors, addr, as, d } = await loadFixture(deployAnchored);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.cancel([d.root, d.leaf(0), d.proof(0), REASON.FRAUD, DECISION], as(actors[who])),
        registry, "RegistryUnauthorized", [addr[who]]);
      assert.equal((await registry.read.credentialStatus([d.root, d.leaf(0)])).revoked, false);
    });
  }

  it("refuses to cancel a revoked leaf, to revoke a cancelled one, reason 0 and no decision", async () => {
    const { registry, actors, as, d } = await loadFixture(deployAnchored);
    const s = as(actors.deptHN);
    await registry.write.revoke([d.root, d.leaf(0), d.proof(0), REASON.FRAUD, DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.cancel([d.root, d.leaf(0), d.proof(0), REASON.FRAUD, DECISION], s),
      registry, "RegistryLeafAlreadyRevoked", [d.leaf(0)]);
    await registry.write.cancel([d.root, d.leaf(1), d.proof(1), REASON.LENT, DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revoke([d.root, d.leaf(1), d.proof(1), REASON.FRAUD, DECISION], s),
      registry, "RegistryLeafAlreadyRevoked", [d.leaf(1)]);
    await viem.assertions.revertWithCustomError(
      registry.write.cancel([d.root, d.leaf(2), d.proof(2), 0, DECISION], s), registry, "RegistryInvalidReason");
    await viem.assertions.revertWithCustomError(
      registry.write.cancel([d.root, d.leaf(2), d.proof(2), REASON.FRAUD, `0x${"00".repeat(32)}`], s),
      registry, "RegistryMissingDecision");
    await viem.assertions.revertWithCustomError(
      registry.write.cancel([d.root, d.leaf(2), d.proof(3), REASON.FRAUD, DECISION], s), registry, "RegistryInvalidProof");
  });

  it("refuses to supersede a cancelled diploma, and to cancel a superseded one", async () => {
    const { registry, actors, as, d } = await loadFixture(deployAnchored);
    const s = as(actors.deptHN);
    const fixes = makeBatch("deptHN/corrections", 2);
    await registry.write.anchor([fixes.root, fixes.count, KIND.DIPLOMA], s);
    await registry.write.cancel([d.root, d.leaf(3), d.proof(3), REASON.FRAUD, DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.supersede([d.root, d.leaf(3), d.proof(3), fixes.root, fixes.leaf(0), fixes.proof(0), DECISION], s),
      registry, "RegistryLeafAlreadyRevoked", [d.leaf(3)]);
    await registry.write.supersede([d.root, d.leaf(2), d.proof(2), fixes.root, fixes.leaf(1), fixes.proof(1), DECISION], s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.cancel([d.root, d.leaf(2), d.proof(2), REASON.FRAUD, DECISION], s),
      registry, "RegistryLeafAlreadySuperseded", [d.leaf(2)]);
  });
});
