// Hardhat 3 configuration for the Sổ Gốc contracts (CredentialRegistry).
//
// Offline by design: the compiler is the solc-js build from the npm package `solc` (its version
// must equal `solidity.version`), so Hardhat never downloads a compiler.
//
// evmVersion "paris": production runs on Hyperledger Besu (QBFT), where Shanghai and later forks
// must be switched on explicitly in the genesis. The OpenZeppelin code used here (Ownable2Step,
// MerkleProof) needs no post-Paris opcode (no PUSH0, MCOPY or transient storage).
import { createRequire } from "node:module";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

const require = createRequire(import.meta.url);

export const SOLC_VERSION = "0.8.28";
export const EVM_VERSION = "paris";
export const OPTIMIZER = { enabled: true, runs: 200 };

/** @type {import("hardhat/config").HardhatUserConfig} */
export default {
  plugins: [hardhatViem, hardhatViemAssertions, hardhatNodeTestRunner, hardhatNetworkHelpers],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: OPTIMIZER,
    },
  },
  paths: {
    sources: "contracts",
    // Python tests live elsewhere under tests/; Hardhat only looks here.
    tests: { nodejs: "tests/contracts", solidity: "tests/contracts" },
  },
};
