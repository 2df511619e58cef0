// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title ICredentialRegistry
 * @notice Types, events, errors and functions of the Sổ Gốc credential registry: a public record of
 * the Merkle roots under which schools and education departments anchor batches of transcripts
 * (học bạ), diplomas (văn bằng) and exam records, and of the revocations (thu hồi, hủy bỏ) and
 * corrections (chỉnh sửa) of single documents inside those batches.
 *
 * Hierarchy: the Ministry (Bộ GD&ĐT, the contract owner) registers authorities (Sở/Phòng GD&ĐT,
 * exam office); an authority registers, suspends and reinstates its issuers (schools). Authorities
 * may anchor too: they act as issuers whose parent is the Ministry (parent id 0).
 *
 * Leaves are OpenZeppelin `StandardMerkleTree` leaves over `(bytes32 dataHash, bytes32 pdfSha256)`,
 * i.e. `keccak256(bytes.concat(keccak256(abi.encode(dataHash, pdfSha256))))`, and proofs are
 * OpenZeppelin `MerkleProof` proofs (sorted pairs, keccak256).
 */
interface ICredentialRegistry {
    // ------------------------------------------------------------------ types

    /// @notice What an institution is. `None` means "not registered".
    enum InstitutionKind {
        None,
        Authority,
        Issuer
    }

    /// @notice An institution as returned by {institution}.
    struct InstitutionView {
        InstitutionKind kind;
        /// The one account that acts for the institution.
        address account;
        /// Parent authority id for an issuer; 0 (the Ministry) for an authority.
        bytes32 parent;
        /// Start of the period in which it may anchor (unix seconds, inclusive).
        uint64 validFrom;
        /// End of that period (unix seconds, inclusive); 0 = open-ended.
        uint64 validUntil;
        bool suspended;
        bool registered;
    }

    /// @notice SHA-256 fingerprint of a signing certificate with its validity window.
    struct Certificate {
        bytes32 fingerprint;
        /// Inclusive window in unix seconds; `validUntil` 0 = open-ended.
        uint64 validFrom;
        uint64 validUntil;
        /// Block timestamp at which the fingerprint was added.
        uint64 addedAt;
    }

    /**
     * @notice Everything stored about one leaf of one root, as returned by {credentialStatus}.
     * Revocation and supersession fields are those recorded for `leaf` within the scope of the
     * issuer that anchored `root` (zero when the root is not anchored).
     */
    struct CredentialStatus {
        bool anchored;
        bytes32 issuerId;
        /// The issuer's parent authority; 0 when the issuer is itself an authority.
        bytes32 authorityId;
        address issuerAccount;
        /// Whether the issuer is suspended now (says nothing about the time of anchoring).
        bool issuerSuspended;
        uint64 anchoredAt;
        uint64 anchoredBlock;
        uint8 kind;
        uint32 leafCount;
        bool revoked;
        uint16 revocationReason;
        bytes32 revocationDecision;
        uint64 revokedAt;
        /// Institution id of the revoker (the issuer or its parent authority).
        bytes32 revokedBy;
        /// The corrected leaf that replaces this one; 0 if none.
        bytes32 supersededBy;
        bytes32 supersededInRoot;
        bytes32 supersedeDecision;
        uint64 supersededAt;
        /// Institution id that recorded the correction.
        bytes32 supersededByInstitution;
        /// The revocation is a cancellation (hủy bỏ: void from the start), not a withdrawal (thu hồi).
        bool cancelled;
    }

    // ------------------------------------------------------------------ events

    /// @notice The Ministry registered an authority.
    event AuthorityRegistered(bytes32 indexed id, address indexed account);

    /// @notice An authority registered an issuer (school) under itself.
    event IssuerRegistered(
        bytes32 indexed id,
        bytes32 indexed authorityId,
        address indexed account,
        uint64 validFrom,
        uint64 validUntil
    );

    /// @notice An authority suspended one of its issuers.
    event IssuerSuspended(bytes32 indexed id, bytes32 indexed authorityId);

    /// @notice An authority lifted the suspension of one of its issuers.
    event IssuerReinstated(bytes32 indexed id, bytes32 indexed authorityId);

    /// @notice A signing-certificate fingerprint was added for an institution.
    /// @param addedBy Institution id of the caller, or 0 for the Ministry.
    event CertificateAdded(
        bytes32 indexed issuerId,
        bytes32 indexed fingerprint,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 addedBy
    );

    /// @notice A batch root was anchored.
    event RootAnchored(bytes32 indexed issuerId, bytes32 indexed root, uint32 leafCount, uint8 kind);

    /// @notice One document (leaf) of an anchored root was revoked.
    event CredentialRevoked(
        bytes32 indexed root,
        bytes32 indexed leaf,
        bytes32 indexed revokedBy,
        uint16 reason,
        bytes32 decision
    );

    /// @notice One document (leaf) of an anchored root was cancelled (hủy bỏ): void from the start.
    event CredentialCancelled(
        bytes32 indexed root,
        bytes32 indexed leaf,
        bytes32 indexed cancelledBy,
        uint16 reason,
        bytes32 decision
    );

    /// @notice One document (leaf) was superseded by a corrected one (`newLeaf` in `newRoot`).
    event CredentialSuperseded(
        bytes32 indexed root,
        bytes32 indexed leaf,
        bytes32 indexed newLeaf,
        bytes32 newRoot,
        bytes32 supersededBy,
        bytes32 decision
    );

    // ------------------------------------------------------------------ errors

    /// @notice `account` may not perform this action.
    error RegistryUnauthorized(address account);
    /// @notice Institution ids must be non-zero (0 stands for the Ministry).
    error RegistryZeroId();
    /// @notice Accounts must be non-zero.
    error RegistryZeroAccount();
    /// @notice An institution with this id already exists.
    error RegistryInstitutionAlreadyRegistered(bytes32 id);
    /// @notice This account already acts for an institution (or is the Ministry's account).
    error RegistryAccountInUse(address account);
    /// @notice No institution with this id.
    error RegistryUnknownInstitution(bytes32 id);
    /// @notice `validUntil` is non-zero and before `validFrom`.
    error RegistryInvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The issuer is already suspended.
    error RegistryIssuerAlreadySuspended(bytes32 id);
    /// @notice The issuer is not suspended.
    error RegistryIssuerNotSuspended(bytes32 id);
    /// @notice The issuer is suspended or outside its validity period.
    error RegistryIssuerInactive(bytes32 id);
    /// @notice Certificate fingerprints must be non-zero.
    error RegistryZeroFingerprint();
    /// @notice This fingerprint is already recorded for this institution.
    error RegistryCertificateAlreadyAdded(bytes32 issuerId, bytes32 fingerprint);
    /// @notice Roots must be non-zero.
    error RegistryZeroRoot();
    /// @notice A batch has at least one leaf.
    error RegistryEmptyBatch();
    /// @notice Document kinds start at 1.
    error RegistryInvalidKind(uint8 kind);
    /// @notice The root was anchored before (a retried anchoring is refused, not duplicated).
    error RegistryRootAlreadyAnchored(bytes32 root);
    /// @notice The root was never anchored.
    error RegistryRootNotAnchored(bytes32 root);
    /// @notice The Merkle proof does not lead from the leaf to the root.
    error RegistryInvalidProof();
    /// @notice Revocation reason codes start at 1.
    error RegistryInvalidReason();
    /// @notice A revocation or correction needs a non-zero decision reference.
    error RegistryMissingDecision();
    /// @notice The leaf is already revoked.
    error RegistryLeafAlreadyRevoked(bytes32 leaf);
    /// @notice The leaf is already superseded.
    error RegistryLeafAlreadySuperseded(bytes32 leaf);
    /// @notice A leaf cannot supersede itself.
    error RegistrySelfSupersession(bytes32 leaf);
    /// @notice The Ministry's account cannot be given up (renouncing would freeze the registry).
    error RegistryRenounceDisabled();

    // ------------------------------------------------------------------ writes

    function registerAuthority(bytes32 id, address account) external;

    function registerIssuer(bytes32 id, address account, uint64 validFrom, uint64 validUntil) external;

    function suspendIssuer(bytes32 id) external;

    function reinstateIssuer(bytes32 id) external;

    function addCertificate(bytes32 issuerId, bytes32 sha256Fingerprint, uint64 validFrom, uint64 validUntil)
        external;

    function anchor(bytes32 root, uint32 leafCount, uint8 kind) external;

    function revoke(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint16 reason, bytes32 decision)
        external;

    function cancel(bytes32 root, bytes32 leaf, bytes32[] calldata proof, uint16 reason, bytes32 decision)
        external;

    function supersede(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof,
        bytes32 newRoot,
        bytes32 newLeaf,
        bytes32[] calldata newProof,
        bytes32 decision
    ) external;

    // ------------------------------------------------------------------ views

    function credentialStatus(bytes32 root, bytes32 leaf) external view returns (CredentialStatus memory);

    function institution(bytes32 id) external view returns (InstitutionView memory);

    function institutionOf(address account) external view returns (bytes32);

    function isActive(bytes32 id) external view returns (bool);

    function certificates(bytes32 issuerId) external view returns (Certificate[] memory);

    function isCertificateValid(bytes32 issuerId, bytes32 fingerprint, uint64 at) external view returns (bool);
}
