// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ICredentialRegistry} from "./ICredentialRegistry.sol";

/**
 * @title CredentialRegistry (Sổ Gốc)
 * @notice Anchors Merkle roots of batches of school documents and records revocations and
 * corrections of single documents. See {ICredentialRegistry} for the model.
 *
 * Admin model: the deployer is the Ministry, held with OpenZeppelin {Ownable2Step} rather than
 * {AccessControl}. The Ministry has exactly one power (registering authorities); every other
 * permission follows from the institution tree (authority -> issuer), which role sets cannot
 * express. One owner with a two-step hand-over keeps that power in a single, auditable place and
 * makes a mistyped new Ministry account recoverable. Renouncing is disabled: without the Ministry
 * no authority could ever be added.
 *
 * Permission rules for revocation and correction: only the issuer that anchored a root and that
 * issuer's parent authority may revoke or supersede leaves of that root. The Ministry may not: it
 * is not in the issuing chain, and the decision to revoke a document belongs to the body that
 * issued it or the authority that manages that body (Thông tư 21/2019, art. 22). For roots an
 * authority anchored itself, only that authority may act.
 *
 * Records about a leaf are keyed by the leaf hash within the scope of the issuer that anchored the
 * root: a revocation applies to that leaf in every root of the same issuer, but never to roots of
 * another issuer. Keying by leaf alone would let any school put a foreign leaf into a root of its
 * own and then revoke (or block the revocation of) another school's document.
 *
 * WARNING: an institution's account cannot be changed, and authorities cannot be suspended or
 * removed: a lost or stolen key needs a new institution id (and, for a stolen issuer key, its
 * suspension by the parent authority). Certificate fingerprints can only be added, never cut short.
 *
 * WARNING: the contract checks proofs and permissions only. It does not know what a leaf contains:
 * whether a document was signed with a certificate valid at signing time is for verifiers to check
 * with {isCertificateValid}; anchoring times are block timestamps, set by the validators.
 *
 * No upgradeability: the record is meant to be immutable; a new version would be a new contract.
 * Compiled for evmVersion `paris` (Besu QBFT genesis without Shanghai).
 */
contract CredentialRegistry is ICredentialRegistry, Ownable2Step {
    /// @dev Slot 0 holds everything {anchor} needs; account and parent sit in their own slots.
    struct Institution {
        InstitutionKind kind;
        bool suspended;
        uint32 index; // 1-based position in _idByIndex; the compact reference kept in anchors
        uint64 validFrom;
        uint64 validUntil;
        address account;
        bytes32 parent;
    }

    /// @dev One storage slot per root (21 bytes): the gas of {anchor} does not grow with the batch.
    struct Anchor {
        uint32 issuerIndex;
        uint32 leafCount;
        uint48 anchoredAt;
        uint48 anchoredBlock;
        uint8 kind;
    }

    /// @dev A revocation (thu hồi) or a cancellation (hủy bỏ): one record per leaf, the flag in the same slot.
    struct Revocation {
        uint16 reason;
        uint48 revokedAt;
        uint32 revokedByIndex;
        bool cancelled;
        bytes32 decision;
    }

    struct Supersession {
        bytes32 newLeaf;
        bytes32 newRoot;
        bytes32 decision;
        uint48 supersededAt;
        uint32 supersededByIndex;
    }

    mapping(bytes32 id => Institution) private _institutions;
    mapping(address account => bytes32 id) private _idOf;
    bytes32[] private _idByIndex;

    mapping(bytes32 issuerId => Certificate[]) private _certificates;
    mapping(bytes32 issuerId => mapping(bytes32 fingerprint => uint256 position)) private _certificatePosition;

    mapping(bytes32 root => Anchor) private _anchors;
    mapping(bytes32 leaf => mapping(uint32 issuerIndex => Revocation)) private _revocations;
    mapping(bytes32 leaf => mapping(uint32 issuerIndex => Supersession)) private _supersessions;

    /// @notice The deployer becomes the Ministry.
    constructor() Ownable(msg.sender) {}

    // ================================================================== institutions

    /**
     * @notice Registers an authority (Sở/Phòng GD&ĐT, exam office). Only the Ministry.
     * @param id Opaque non-zero id (the off-chain side uses keccak256 of the institution code).
     * @param account The one account acting for the authority; not used by any institution.
     */
    function registerAuthority(bytes32 id, address account) external {
        if (msg.sender != owner()) revert RegistryUnauthorized(msg.sender);
        _register(id, account, InstitutionKind.Authority, bytes32(0), uint64(block.timestamp), 0);
        emit AuthorityRegistered(id, account);
    }

    /**
     * @notice Registers an issuer (school) under the calling authority.
     * @param validFrom First second (inclusive) at which it may anchor.
     * @param validUntil Last second (inclusive) at which it may anchor; 0 = open-ended.
     */
    function registerIssuer(bytes32 id, address account, uint64 validFrom, uint64 validUntil) external {
        bytes32 authorityId = _callerAuthority();
        if (validUntil != 0 && validUntil < validFrom) revert RegistryInvalidValidity(validFrom, validUntil);
        _register(id, account, InstitutionKind.Issuer, authorityId, validFrom, validUntil);
        emit IssuerRegistered(id, authorityId, account, validFrom, validUntil);
    }

    /**
     * @notice Suspends one of the caller's issuers: it can no longer anchor, revoke, supersede or add
     * certificates itself; its parent authority still can act on its roots. Anchored roots stay valid.
     */
    function suspendIssuer(bytes32 id) external {
        (bytes32 authorityId, Institution storage issuer) = _callerChild(id);
        if (issuer.suspended) revert RegistryIssuerAlreadySuspended(id);
        issuer.suspended = true;
        emit IssuerSuspended(id, authorityId);
    }

    /// @notice Lifts the suspension of one of the caller's issuers.
    function reinstateIssuer(bytes32 id) external {
        (bytes32 authorityId, Institution storage issuer) = _callerChild(id);
        if (!issuer.suspended) revert RegistryIssuerNotSuspended(id);
        issuer.suspended = false;
        emit IssuerReinstated(id, authorityId);
    }

    /**
     * @notice Records the SHA-256 fingerprint of a signing certificate of `issuerId` with its validity
     * window. Key rotation adds a new fingerprint; old ones are kept with their windows.
     * Allowed to the institution itself (while active) and to its parent: the authority for an
     * issuer, the Ministry for an authority.
     * @param validUntil Inclusive end of the window; 0 = open-ended.
     */
    function addCertificate(bytes32 issuerId, bytes32 sha256Fingerprint, uint64 validFrom, uint64 validUntil)
        external
    {
        Institution storage target = _institutions[issuerId];
        if (target.kind == InstitutionKind.None) revert RegistryUnknownInstitution(issuerId);

        bytes32 callerId = _idOf[msg.sender];
        if (callerId == issuerId) {
            if (!_isActive(target)) revert RegistryIssuerInactive(issuerId);
        } else {
            bool byParentAuthority = callerId != 0 && target.parent == callerId;
            bool byMinistryForAuthority = target.kind == InstitutionKind.Authority && msg.sender == owner();
            if (!byParentAuthority && !byMinistryForAuthority) revert RegistryUnauthorized(msg.sender);
        }
        if (sha256Fingerprint == 0) revert RegistryZeroFingerprint();
        if (validUntil != 0 && validUntil < validFrom) revert RegistryInvalidValidity(validFrom, validUntil);
        if (_certificatePosition[issuerId][sha256Fingerprint] != 0) {
            revert RegistryCertificateAlreadyAdded(issuerId, sha256Fingerprint);
        }

        Certificate[] storage list = _certificates[issuerId];
        list.push(Certificate(sha256Fingerprint, validFrom, validUntil, uint64(block.timestamp)));
        _certificatePosition[issuerId][sha256Fingerprint] = list.length;
        emit CertificateAdded(issuerId, sha256Fingerprint, validFrom, validUntil, callerId);
    }

    // ================================================================== anchoring

    /**
     * @notice Anchors the Merkle root of a batch of `leafCount` documents of one `kind`. Allowed to
     * an active issuer and to an authority. A root can be anchored once: a retry reverts with
     * {RegistryRootAlreadyAnchored}, so the caller learns that the first attempt went through.
     * @param kind Document kind (1 transcript, 2 diploma, 3 exam record, 4 certified copy, ...); not 0.
     */
    function anchor(bytes32 root, uint32 leafCount, uint8 kind) external {
        bytes32 issuerId = _idOf[msg.sender];
        if (issuerId == 0) revert RegistryUnauthorized(msg.sender);
        Institution storage issuer = _institutions[issuerId];
        if (!_isActive(issuer)) revert RegistryIssuerInactive(issuerId);
        if (root == 0) revert RegistryZeroRoot();
        if (leafCount == 0) revert RegistryEmptyBatch();
        if (kind == 0) revert RegistryInvalidKind(kind);
        Anchor storage record = _anchors[root];
        if (record.anchoredAt != 0) revert RegistryRootAlreadyAnchored(root);

        _anchors[root] = Anchor({
            issuerIndex: issuer.index,
            leafCount: leafCount,
            anchoredAt: uint48(block.timestamp),
            anchoredBlock: uint48(block.number),
            kind: kind
        });
        emit RootAnchored(issuerId, root, leafCount, kind);
    }

    // ================================================================== revocation and correction

    /**
     * @notice Revokes (thu hồi) one document: `leaf` proven to be in the anchored `root`.
     * Allowed to the issuer that anchored the root (while active) and to its parent authority only;
     * not to other schools, other authorities or the Ministry.
     * @param proof OpenZeppelin MerkleProof from `leaf` to `root`.
     * @param reason Non-zero reason code (core.status.RevocationReason).
     * @param decision Non-zero reference of the decision (hash of the decision number/document).
     *
     * WARNING: revocation is final; there is no un-revoke.
     */
    function revoke(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint16 reason, bytes32 decision)
        external
    {
        bytes32 actor = _revoke(root, leaf, proof, reason, decision, false);
        emit CredentialRevoked(root, leaf, actor, reason, decision);
    }

    /**
     * @notice Cancels (hủy bỏ) one document: as {revoke}, on the same six grounds and with the same
     * permissions, but the decision declares the document void from the start rather than withdrawn.
     * Verifiers tell the two apart by `cancelled` in {credentialStatus}. A leaf is revoked or
     * cancelled once, never both.
     *
     * WARNING: cancellation is final.
     */
    function cancel(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint16 reason, bytes32 decision)
        external
    {
        bytes32 actor = _revoke(root, leaf, proof, reason, decision, true);
        emit CredentialCancelled(root, leaf, actor, reason, decision);
    }

    /**
     * @notice Records a correction: `leaf` (in anchored `root`) is superseded by `newLeaf` (in
     * anchored `newRoot`). Permission as for {revoke}, on the old root's issuer.
     * Rule for the new root: the caller must also have reach over it, so a school can only correct
     * into its own roots and an authority into its own roots or those of its schools (the same
     * authority tree). The old leaf must be neither revoked nor superseded, the new leaf likewise
     * (in its own root's scope), which also rules out cycles.
     * @param decision Non-zero reference of the correction decision.
     */
    function supersede(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof,
        bytes32 newRoot,
        bytes32 newLeaf,
        bytes32[] calldata newProof,
        bytes32 decision
    ) external {
        if (decision == 0) revert RegistryMissingDecision();
        if (newLeaf == leaf) revert RegistrySelfSupersession(leaf);
        (uint32 scope, uint32 actorIndex) = _authorizeOnRoot(root);
        (uint32 newScope,) = _authorizeOnRoot(newRoot);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert RegistryInvalidProof();
        if (!MerkleProof.verifyCalldata(newProof, newRoot, newLeaf)) revert RegistryInvalidProof();
        _requireLive(leaf, scope);
        _requireLive(newLeaf, newScope);

        _supersessions[leaf][scope] = Supersession({
            newLeaf: newLeaf,
            newRoot: newRoot,
            decision: decision,
            supersededAt: uint48(block.timestamp),
            supersededByIndex: actorIndex
        });
        emit CredentialSuperseded(root, leaf, newLeaf, newRoot, _idByIndex[actorIndex - 1], decision);
    }

    // ================================================================== views

    /**
     * @notice Everything stored for `leaf` under `root`: the anchor, the issuer, and the revocation
     * and correction records. It does not check that `leaf` is in `root`: verifiers check the proof
     * off chain.
     */
    function credentialStatus(bytes32 root, bytes32 leaf) external view returns (CredentialStatus memory status) {
        Anchor memory a = _anchors[root];
        if (a.anchoredAt == 0) return status;

        bytes32 issuerId = _idByIndex[a.issuerIndex - 1];
        Institution storage issuer = _institutions[issuerId];
        status.anchored = true;
        status.issuerId = issuerId;
        status.authorityId = issuer.parent;
        status.issuerAccount = issuer.account;
        status.issuerSuspended = issuer.suspended;
        status.anchoredAt = a.anchoredAt;
        status.anchoredBlock = a.anchoredBlock;
        status.kind = a.kind;
        status.leafCount = a.leafCount;

        Revocation memory r = _revocations[leaf][a.issuerIndex];
        if (r.revokedAt != 0) {
            status.revoked = true;
            status.revocationReason = r.reason;
            status.revocationDecision = r.decision;
            status.revokedAt = r.revokedAt;
            status.revokedBy = _idByIndex[r.revokedByIndex - 1];
            status.cancelled = r.cancelled;
        }
        Supersession memory s = _supersessions[leaf][a.issuerIndex];
        if (s.supersededAt != 0) {
            status.supersededBy = s.newLeaf;
            status.supersededInRoot = s.newRoot;
            status.supersedeDecision = s.decision;
            status.supersededAt = s.supersededAt;
            status.supersededByInstitution = _idByIndex[s.supersededByIndex - 1];
        }
    }

    /// @notice The institution `id`; `registered` is false (and all else zero) for an unknown id.
    function institution(bytes32 id) external view returns (InstitutionView memory) {
        Institution storage i = _institutions[id];
        return InstitutionView({
            kind: i.kind,
            account: i.account,
            parent: i.parent,
            validFrom: i.validFrom,
            validUntil: i.validUntil,
            suspended: i.suspended,
            registered: i.kind != InstitutionKind.None
        });
    }

    /// @notice The institution id `account` acts for; 0 if none.
    function institutionOf(address account) external view returns (bytes32) {
        return _idOf[account];
    }

    /// @notice Whether `id` may anchor now: registered, not suspended, within its validity period.
    function isActive(bytes32 id) external view returns (bool) {
        return _isActive(_institutions[id]);
    }

    /// @notice All certificate fingerprints ever added for `issuerId`, oldest first, with windows.
    function certificates(bytes32 issuerId) external view returns (Certificate[] memory) {
        return _certificates[issuerId];
    }

    /**
     * @notice Whether `fingerprint` is a certificate of `issuerId` whose window contains `at`.
     * WARNING: says nothing about the issuer's suspension or about X.509 revocation (OCSP/CRL).
     */
    function isCertificateValid(bytes32 issuerId, bytes32 fingerprint, uint64 at) external view returns (bool) {
        uint256 position = _certificatePosition[issuerId][fingerprint];
        if (position == 0) return false;
        Certificate storage c = _certificates[issuerId][position - 1];
        return c.validFrom <= at && (c.validUntil == 0 || at <= c.validUntil);
    }

    // ================================================================== ownership

    /// @notice Starts handing the Ministry role to `newOwner`, who must not act for an institution.
    function transferOwnership(address newOwner) public override onlyOwner {
        if (_idOf[newOwner] != 0) revert RegistryAccountInUse(newOwner);
        super.transferOwnership(newOwner);
    }

    /// @notice Disabled: the registry cannot work without a Ministry.
    function renounceOwnership() public view override onlyOwner {
        revert RegistryRenounceDisabled();
    }

    // ================================================================== internals

    function _register(
        bytes32 id,
        address account,
        InstitutionKind kind,
        bytes32 parent,
        uint64 validFrom,
        uint64 validUntil
    ) private {
        if (id == 0) revert RegistryZeroId();
        if (account == address(0)) revert RegistryZeroAccount();
        if (_institutions[id].kind != InstitutionKind.None) revert RegistryInstitutionAlreadyRegistered(id);
        if (_idOf[account] != 0 || account == owner() || account == pendingOwner()) {
            revert RegistryAccountInUse(account);
        }

        _idByIndex.push(id);
        _institutions[id] = Institution({
            kind: kind,
            suspended: false,
            index: uint32(_idByIndex.length),
            validFrom: validFrom,
            validUntil: validUntil,
            account: account,
            parent: parent
        });
        _idOf[account] = id;
    }

    /// @dev The caller's institution id, which must be an authority.
    function _callerAuthority() private view returns (bytes32 id) {
        id = _idOf[msg.sender];
        if (_institutions[id].kind != InstitutionKind.Authority) revert RegistryUnauthorized(msg.sender);
    }

    /// @dev The caller (an authority) and its issuer `id`.
    function _callerChild(bytes32 id) private view returns (bytes32 authorityId, Institution storage issuer) {
        authorityId = _callerAuthority();
        issuer = _institutions[id];
        if (issuer.kind == InstitutionKind.None) revert RegistryUnknownInstitution(id);
        if (issuer.kind != InstitutionKind.Issuer || issuer.parent != authorityId) {
            revert RegistryUnauthorized(msg.sender);
        }
    }

    /**
     * @dev Checks that `root` is anchored and that the caller is its issuer (and active) or the
     * issuer's parent authority. Returns the issuer index (the scope of leaf records) and the
     * caller's index.
     */
    function _authorizeOnRoot(bytes32 root) private view returns (uint32 scope, uint32 actorIndex) {
        scope = _anchors[root].issuerIndex;
        if (scope == 0) revert RegistryRootNotAnchored(root);

        bytes32 callerId = _idOf[msg.sender];
        if (callerId == 0) revert RegistryUnauthorized(msg.sender);
        Institution storage caller = _institutions[callerId];
        bytes32 issuerId = _idByIndex[scope - 1];
        if (callerId == issuerId) {
            if (!_isActive(caller)) revert RegistryIssuerInactive(callerId);
        } else if (caller.kind != InstitutionKind.Authority || _institutions[issuerId].parent != callerId) {
            revert RegistryUnauthorized(msg.sender);
        }
        actorIndex = caller.index;
    }

    /// @dev Check, then record a revocation or cancellation; returns the acting institution's id.
    function _revoke(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof,
        uint16 reason,
        bytes32 decision,
        bool cancelled
    ) private returns (bytes32) {
        if (reason == 0) revert RegistryInvalidReason();
        if (decision == 0) revert RegistryMissingDecision();
        (uint32 scope, uint32 actorIndex) = _authorizeOnRoot(root);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert RegistryInvalidProof();
        _requireLive(leaf, scope);

        _revocations[leaf][scope] = Revocation({
            reason: reason,
            revokedAt: uint48(block.timestamp),
            revokedByIndex: actorIndex,
            cancelled: cancelled,
            decision: decision
        });
        return _idByIndex[actorIndex - 1];
    }

    /// @dev Reverts if `leaf` is revoked or superseded within `scope`.
    function _requireLive(bytes32 leaf, uint32 scope) private view {
        if (_revocations[leaf][scope].revokedAt != 0) revert RegistryLeafAlreadyRevoked(leaf);
        if (_supersessions[leaf][scope].supersededAt != 0) revert RegistryLeafAlreadySuperseded(leaf);
    }

    function _isActive(Institution storage i) private view returns (bool) {
        return i.kind != InstitutionKind.None && !i.suspended && i.validFrom <= block.timestamp
            && (i.validUntil == 0 || block.timestamp <= i.validUntil);
    }
}
