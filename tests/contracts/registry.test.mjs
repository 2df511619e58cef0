// CredentialRegistry: institutions, certificates and anchoring.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, zeroAddress, zeroHash } from "viem";
import {
  EMPTY_STATUS_TAIL,
  IDS,
  INSTITUTION_KIND,
  KIND,
  assertStatus,
  bytes32,
  institutionId,
  latestTimestamp,
  makeBatch,
  makeDeployFixture,
} from "./helpers.mjs";

const { viem, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const deployRegistry = makeDeployFixture(viem);

describe("CredentialRegistry: Ministry and authorities", () => {
  it("makes the deployer the Ministry, which is no institution", async () => {
    const { registry, addr } = await loadFixture(deployRegistry);
    assert.equal(await registry.read.owner(), addr.ministry);
    assert.equal(await registry.read.institutionOf([addr.ministry]), zeroHash);
  });

  it("lets the Ministry register an authority, with event and view", async () => {
    const { registry, publicClient, actors, addr, as } = await loadFixture(deployRegistry);
    const id = institutionId("SGD-DN");
    const tx = registry.write.registerAuthority([id, addr.spare], as(actors.ministry));
    await viem.assertions.emitWithArgs(tx, registry, "AuthorityRegistered", [id, addr.spare]);
    const now = await latestTimestamp(publicClient);
    const view = await registry.read.institution([id]);
    assert.deepEqual(view, {
      kind: INSTITUTION_KIND.AUTHORITY,
      account: addr.spare,
      parent: zeroHash,
      validFrom: now,
      validUntil: 0n,
      suspended: false,
      registered: true,
    });
    assert.equal(await registry.read.institutionOf([addr.spare]), id);
    assert.equal(await registry.read.isActive([id]), true);
  });

  for (const who of ["deptHN", "schoolA", "stranger"]) {
    it(`refuses authority registration by ${who}`, async () => {
      const { registry, actors, addr, as } = await loadFixture(deployRegistry);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerAuthority([institutionId("SGD-DN"), addr.spare], as(actors[who])),
        registry,
        "RegistryUnauthorized",
        [addr[who]],
      );
    });
  }

  it("refuses zero id, zero account, duplicate id, used account and the Ministry's account", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    const m = as(actors.ministry);
    const id = institutionId("SGD-DN");
    await viem.assertions.revertWithCustomError(registry.write.registerAuthority([zeroHash, addr.spare], m), registry, "RegistryZeroId");
    await viem.assertions.revertWithCustomError(registry.write.registerAuthority([id, zeroAddress], m), registry, "RegistryZeroAccount");
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerAuthority([IDS.schoolA, addr.spare], m), registry, "RegistryInstitutionAlreadyRegistered", [IDS.schoolA]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerAuthority([id, addr.schoolA], m), registry, "RegistryAccountInUse", [addr.schoolA]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerAuthority([id, addr.ministry], m), registry, "RegistryAccountInUse", [addr.ministry]);
  });

  it("hands the Ministry over in two steps, never to an institution, and cannot be renounced", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.transferOwnership([addr.deptHN], as(actors.ministry)), registry, "RegistryAccountInUse", [addr.deptHN]);
    await viem.assertions.revertWithCustomError(
      registry.write.renounceOwnership(as(actors.ministry)), registry, "RegistryRenounceDisabled");

    await registry.write.transferOwnership([addr.spare], as(actors.ministry));
    assert.equal(await registry.read.owner(), addr.ministry, "still the old Ministry until accepted");
    // The pending Ministry cannot be registered as an institution meanwhile.
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerAuthority([institutionId("X"), addr.spare], as(actors.ministry)), registry, "RegistryAccountInUse", [addr.spare]);
    await registry.write.acceptOwnership(as(actors.spare));
    assert.equal(await registry.read.owner(), addr.spare);

    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerAuthority([institutionId("SGD-DN"), addr.stranger], as(actors.ministry)), registry, "RegistryUnauthorized", [addr.ministry]);
    await registry.write.registerAuthority([institutionId("SGD-DN"), addr.stranger], as(actors.spare));
  });
});

describe("CredentialRegistry: issuers", () => {
  it("lets an authority register an issuer under itself", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    const id = institutionId("THPT-NEW");
    const tx = registry.write.registerIssuer([id, addr.spare, 1000n, 2000n], as(actors.deptHN));
    await viem.assertions.emitWithArgs(tx, registry, "IssuerRegistered", [id, IDS.deptHN, addr.spare, 1000n, 2000n]);
    assert.deepEqual(await registry.read.institution([id]), {
      kind: INSTITUTION_KIND.ISSUER,
      account: addr.spare,
      parent: IDS.deptHN,
      validFrom: 1000n,
      validUntil: 2000n,
      suspended: false,
      registered: true,
    });
    assert.equal(await registry.read.institutionOf([addr.spare]), id);
  });

  for (const who of ["ministry", "schoolA", "stranger"]) {
    it(`refuses issuer registration by ${who}`, async () => {
      const { registry, actors, addr, as } = await loadFixture(deployRegistry);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.registerIssuer([institutionId("THPT-NEW"), addr.spare, 0n, 0n], as(actors[who])),
        registry, "RegistryUnauthorized", [addr[who]]);
    });
  }

  it("refuses a validity window that ends before it starts, duplicates and used accounts", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    const d = as(actors.deptHN);
    const id = institutionId("THPT-NEW");
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerIssuer([id, addr.spare, 2000n, 1999n], d), registry, "RegistryInvalidValidity", [2000n, 1999n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerIssuer([IDS.deptHCM, addr.spare, 0n, 0n], d), registry, "RegistryInstitutionAlreadyRegistered", [IDS.deptHCM]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerIssuer([id, addr.schoolC, 0n, 0n], d), registry, "RegistryAccountInUse", [addr.schoolC]);
    await viem.assertions.revertWithCustomError(registry.write.registerIssuer([zeroHash, addr.spare, 0n, 0n], d), registry, "RegistryZeroId");
    await viem.assertions.revertWithCustomError(registry.write.registerIssuer([id, zeroAddress, 0n, 0n], d), registry, "RegistryZeroAccount");
  });

  it("lets only the parent authority suspend and reinstate an issuer", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    for (const who of ["deptHCM", "ministry", "schoolA", "schoolB", "stranger"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.suspendIssuer([IDS.schoolA], as(actors[who])), registry, "RegistryUnauthorized", [addr[who]]);
    }
    // An authority is nobody's child here: the Ministry has no suspend power, authorities none over peers.
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.suspendIssuer([IDS.deptHCM], as(actors.deptHN)), registry, "RegistryUnauthorized", [addr.deptHN]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.suspendIssuer([bytes32("nobody")], as(actors.deptHN)), registry, "RegistryUnknownInstitution", [bytes32("nobody")]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.reinstateIssuer([IDS.schoolA], as(actors.deptHN)), registry, "RegistryIssuerNotSuspended", [IDS.schoolA]);

    await viem.assertions.emitWithArgs(
      registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN)), registry, "IssuerSuspended", [IDS.schoolA, IDS.deptHN]);
    assert.equal((await registry.read.institution([IDS.schoolA])).suspended, true);
    assert.equal(await registry.read.isActive([IDS.schoolA]), false);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN)), registry, "RegistryIssuerAlreadySuspended", [IDS.schoolA]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.reinstateIssuer([IDS.schoolA], as(actors.deptHCM)), registry, "RegistryUnauthorized", [addr.deptHCM]);

    await viem.assertions.emitWithArgs(
      registry.write.reinstateIssuer([IDS.schoolA], as(actors.deptHN)), registry, "IssuerReinstated", [IDS.schoolA, IDS.deptHN]);
    assert.equal(await registry.read.isActive([IDS.schoolA]), true);
  });
});

describe("CredentialRegistry: certificates", () => {
  const FP1 = bytes32("cert-2024");
  const FP2 = bytes32("cert-2026");

  it("keeps every fingerprint with its window across a key rotation", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    await viem.assertions.emitWithArgs(
      registry.write.addCertificate([IDS.schoolA, FP1, 1000n, 5000n], as(actors.schoolA)),
      registry, "CertificateAdded", [IDS.schoolA, FP1, 1000n, 5000n, IDS.schoolA]);
    const t1 = await latestTimestamp(await viem.getPublicClient());
    await time.increase(3600);
    await viem.assertions.emitWithArgs(
      registry.write.addCertificate([IDS.schoolA, FP2, 5001n, 0n], as(actors.deptHN)),
      registry, "CertificateAdded", [IDS.schoolA, FP2, 5001n, 0n, IDS.deptHN]);
    const t2 = await latestTimestamp(await viem.getPublicClient());

    assert.deepEqual(await registry.read.certificates([IDS.schoolA]), [
      { fingerprint: FP1, validFrom: 1000n, validUntil: 5000n, addedAt: t1 },
      { fingerprint: FP2, validFrom: 5001n, validUntil: 0n, addedAt: t2 },
    ]);
    const valid = (fp, at, id = IDS.schoolA) => registry.read.isCertificateValid([id, fp, at]);
    assert.equal(await valid(FP1, 999n), false);
    assert.equal(await valid(FP1, 1000n), true);
    assert.equal(await valid(FP1, 5000n), true, "validUntil is inclusive");
    assert.equal(await valid(FP1, 5001n), false);
    assert.equal(await valid(FP2, 5000n), false);
    assert.equal(await valid(FP2, 5001n), true);
    assert.equal(await valid(FP2, 2n ** 63n), true, "validUntil 0 is open-ended");
    assert.equal(await valid(bytes32("other"), 2000n), false);
    assert.equal(await valid(FP1, 2000n, IDS.schoolB), false, "fingerprints belong to one issuer");
    assert.deepEqual(await registry.read.certificates([IDS.schoolB]), []);
  });

  it("lets an authority add its own certificates, and the Ministry add an authority's", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    await viem.assertions.emitWithArgs(
      registry.write.addCertificate([IDS.deptHN, FP1, 0n, 0n], as(actors.deptHN)),
      registry, "CertificateAdded", [IDS.deptHN, FP1, 0n, 0n, IDS.deptHN]);
    await viem.assertions.emitWithArgs(
      registry.write.addCertificate([IDS.deptHN, FP2, 0n, 0n], as(actors.ministry)),
      registry, "CertificateAdded", [IDS.deptHN, FP2, 0n, 0n, zeroHash]);
    assert.equal((await registry.read.certificates([IDS.deptHN])).length, 2);
  });

  it("refuses certificates from anyone else, and bad input", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    for (const who of ["schoolB", "deptHCM", "ministry", "stranger"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addCertificate([IDS.schoolA, FP1, 0n, 0n], as(actors[who])), registry, "RegistryUnauthorized", [addr[who]]);
    }
    for (const who of ["deptHCM", "schoolA"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addCertificate([IDS.deptHN, FP1, 0n, 0n], as(actors[who])), registry, "RegistryUnauthorized", [addr[who]]);
    }
    const a = as(actors.schoolA);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.addCertificate([bytes32("nobody"), FP1, 0n, 0n], a), registry, "RegistryUnknownInstitution", [bytes32("nobody")]);
    await viem.assertions.revertWithCustomError(registry.write.addCertificate([IDS.schoolA, zeroHash, 0n, 0n], a), registry, "RegistryZeroFingerprint");
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.addCertificate([IDS.schoolA, FP1, 10n, 9n], a), registry, "RegistryInvalidValidity", [10n, 9n]);
    await registry.write.addCertificate([IDS.schoolA, FP1, 10n, 20n], a);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.addCertificate([IDS.schoolA, FP1, 30n, 40n], as(actors.deptHN)), registry, "RegistryCertificateAlreadyAdded", [IDS.schoolA, FP1]);
  });

  it("stops a suspended issuer from adding certificates, not its authority", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    await registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.addCertificate([IDS.schoolA, FP1, 0n, 0n], as(actors.schoolA)), registry, "RegistryIssuerInactive", [IDS.schoolA]);
    await registry.write.addCertificate([IDS.schoolA, FP1, 0n, 0n], as(actors.deptHN));
  });
});

describe("CredentialRegistry: anchoring", () => {
  it("anchors a root by an active issuer and reports it in the status view", async () => {
    const { registry, publicClient, actors, addr, as } = await loadFixture(deployRegistry);
    const batch = makeBatch("anchor", 5);
    const tx = registry.write.anchor([batch.root, 5, KIND.DIPLOMA], as(actors.schoolA));
    await viem.assertions.emitWithArgs(tx, registry, "RootAnchored", [IDS.schoolA, batch.root, 5, KIND.DIPLOMA]);
    const block = await publicClient.getBlock();
    assertStatus(await registry.read.credentialStatus([batch.root, batch.leaf(0)]), {
      anchored: true,
      issuerId: IDS.schoolA,
      authorityId: IDS.deptHN,
      issuerAccount: addr.schoolA,
      issuerSuspended: false,
      anchoredAt: block.timestamp,
      anchoredBlock: block.number,
      kind: KIND.DIPLOMA,
      leafCount: 5,
      ...EMPTY_STATUS_TAIL,
    });
  });

  it("anchors a root by an authority acting as issuer (parent: the Ministry, id 0)", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    const batch = makeBatch("dept", 3);
    await viem.assertions.emitWithArgs(
      registry.write.anchor([batch.root, 3, KIND.EXAM_RECORD], as(actors.deptHCM)),
      registry, "RootAnchored", [IDS.deptHCM, batch.root, 3, KIND.EXAM_RECORD]);
    assertStatus(await registry.read.credentialStatus([batch.root, batch.leaf(1)]), {
      anchored: true, issuerId: IDS.deptHCM, authorityId: zeroHash, issuerAccount: addr.deptHCM, kind: KIND.EXAM_RECORD, leafCount: 3,
    });
  });

  it("reports nothing for a root never anchored", async () => {
    const { registry } = await loadFixture(deployRegistry);
    assertStatus(await registry.read.credentialStatus([bytes32("x"), bytes32("y")]), {
      anchored: false, issuerId: zeroHash, authorityId: zeroHash, issuerAccount: zeroAddress,
      anchoredAt: 0n, anchoredBlock: 0n, kind: 0, leafCount: 0, ...EMPTY_STATUS_TAIL,
    });
  });

  it("refuses a root anchored before, by the same or another institution", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    const { root } = makeBatch("dup", 2);
    await registry.write.anchor([root, 2, KIND.TRANSCRIPT], as(actors.schoolA));
    for (const who of ["schoolA", "schoolC", "deptHN"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([root, 2, KIND.TRANSCRIPT], as(actors[who])), registry, "RegistryRootAlreadyAnchored", [root]);
    }
    assert.equal((await registry.read.credentialStatus([root, zeroHash])).issuerId, IDS.schoolA);
  });

  it("refuses the Ministry and strangers", async () => {
    const { registry, actors, addr, as } = await loadFixture(deployRegistry);
    for (const who of ["ministry", "stranger"]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.anchor([bytes32("r"), 1, KIND.DIPLOMA], as(actors[who])), registry, "RegistryUnauthorized", [addr[who]]);
    }
  });

  it("refuses a zero root, an empty batch and kind 0", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    const a = as(actors.schoolA);
    await viem.assertions.revertWithCustomError(registry.write.anchor([zeroHash, 1, KIND.DIPLOMA], a), registry, "RegistryZeroRoot");
    await viem.assertions.revertWithCustomError(registry.write.anchor([bytes32("r"), 0, KIND.DIPLOMA], a), registry, "RegistryEmptyBatch");
    await viem.assertions.revertWithCustomErrorWithArgs(registry.write.anchor([bytes32("r"), 1, 0], a), registry, "RegistryInvalidKind", [0]);
  });

  it("stops a suspended issuer from anchoring until reinstated", async () => {
    const { registry, actors, as } = await loadFixture(deployRegistry);
    await registry.write.suspendIssuer([IDS.schoolA], as(actors.deptHN));
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.anchor([bytes32("r1"), 1, KIND.DIPLOMA], as(actors.schoolA)), registry, "RegistryIssuerInactive", [IDS.schoolA]);
    const status = await registry.read.credentialStatus([bytes32("r1"), zeroHash]);
    assert.equal(status.anchored, false);
    await registry.write.reinstateIssuer([IDS.schoolA], as(actors.deptHN));
    await registry.write.anchor([bytes32("r1"), 1, KIND.DIPLOMA], as(actors.schoolA));
  });

  it("lets an issuer anchor only inside [validFrom, validUntil], both ends inclusive", async () => {
    const { registry, publicClient, actors, addr, as } = await loadFixture(deployRegistry);
    const now = await latestTimestamp(publicClient);
    const from = now + 1000n;
    const until = now + 2000n;
    const id = institutionId("THPT-TEMP");
    await registry.write.registerIssuer([id, addr.spare, from, until], as(actors.deptHN));
    const s = as(actors.spare);

    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.anchor([bytes32("early"), 1, KIND.DIPLOMA], s), registry, "RegistryIssuerInactive", [id]);
    await time.setNextBlockTimestamp(from);
    await registry.write.anchor([bytes32("at-from"), 1, KIND.DIPLOMA], s);
    await time.setNextBlockTimestamp(until);
    await registry.write.anchor([bytes32("at-until"), 1, KIND.DIPLOMA], s);
    await time.setNextBlockTimestamp(until + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.anchor([bytes32("late"), 1, KIND.DIPLOMA], s), registry, "RegistryIssuerInactive", [id]);
    await time.increaseTo(until + 1n); // the refused call mined nothing; views read the latest block
    assert.equal(await registry.read.isActive([id]), false);
    // Roots anchored in time stay anchored after the issuer expired.
    assert.equal((await registry.read.credentialStatus([bytes32("at-until"), zeroHash])).anchored, true);
  });
});
