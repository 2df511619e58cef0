// Regenerates tests/vectors/merkle.json: golden vectors for OpenZeppelin StandardMerkleTree over
// (bytes32 dataHash, bytes32 pdfSha256) leaves. Read by the Hardhat tests (tests/contracts/) and by
// pytest (the Python Merkle implementation must reproduce every leaf hash, node, root and proof).
// Deterministic: value k of the whole file is keccak256(abi.encode(uint256 k)), k = 0, 1, 2, ...
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, keccak256 } from "viem";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "tests", "vectors", "merkle.json");
const SIZES = [1, 2, 3, 4, 5, 7, 8, 13];
const LEAF_ENCODING = ["bytes32", "bytes32"];

let counter = 0n;
const nextBytes32 = () => keccak256(encodeAbiParameters([{ type: "uint256" }], [counter++]));

const trees = SIZES.map((size) => {
  const values = Array.from({ length: size }, () => [nextBytes32(), nextBytes32()]);
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  const dump = tree.dump();
  dump.values.forEach(({ value }, i) => {
    if (value.join() !== values[i].join()) throw new Error("dump() reordered values");
  });
  tree.validate();
  values.forEach((v, i) => {
    if (!StandardMerkleTree.verify(tree.root, LEAF_ENCODING, v, tree.getProof(i))) {
      throw new Error(`proof ${i} of tree ${size} does not verify`);
    }
  });
  return {
    size,
    values,
    leafHashes: values.map((v) => tree.leafHash(v)),
    root: tree.root,
    proofs: values.map((_, i) => tree.getProof(i)),
    // treeIndices[i] is the position of values[i]'s leaf in `tree` (leaves are sorted by hash).
    treeIndices: dump.values.map((v) => v.treeIndex),
    tree: dump.tree,
  };
});

const vectors = {
  description:
    "Golden vectors for OpenZeppelin StandardMerkleTree (@openzeppelin/merkle-tree, sortLeaves: true) " +
    "over leaves (bytes32 dataHash, bytes32 pdfSha256). leafHashes[i] = " +
    "keccak256(bytes.concat(keccak256(abi.encode(values[i][0], values[i][1])))); inner nodes hash the " +
    "sorted pair (commutative keccak256), as OpenZeppelin MerkleProof verifies; proofs[i] is the proof " +
    "for values[i]; tree is StandardMerkleTree.dump().tree (root first, leaves last); treeIndices[i] " +
    "is the index of values[i]'s leaf in tree. Values are keccak256(abi.encode(uint256 k)) for " +
    "k = 0, 1, 2, ... across the file. Regenerate with `npm run vectors`.",
  generator: "scripts/merkle-vectors.mjs",
  leafEncoding: LEAF_ENCODING,
  trees,
};

await writeFile(OUT, JSON.stringify(vectors, null, 2) + "\n");
console.log(`wrote ${path.relative(ROOT, OUT)}: trees of sizes ${SIZES.join(", ")}`);
