/// The digests of the schemas that the built-in migrations create, so that opening a file
/// whose schema is exactly one of them needs no migrated in-memory database to compare with.
///
/// Keyed by the SHA-256 of ``SchemaConformance``'s chain of migration checksums up to a
/// version; the value is the SHA-256 of the objects a fresh database migrated to that version
/// holds (``SchemaConformance/digest(of:)-(String:SchemaObject)``). A cache, not a source of
/// truth: a file that does not match is compared in full, so a stale or missing entry only
/// costs time, and `KnownSchemaDigestsTests` recomputes every entry from the migrations and
/// prints the table to paste here when one changes. (The definitions are the text SQLite
/// keeps in `sqlite_master`; a SQLite that rewrites an altered table's text differently
/// misses the cache and takes the full comparison.)
enum KnownSchemaDigests {
    static let byMigrations: [String: String] = [
        // V1
        "5a04c47e8ca49255382fb198162a237710fd2889a367a913da9797bd04af9fce":
            "52b4debddbf2df3bb7476ed0a18bae068386effd01574f14a178e7c1a2320a8a",
        // V2
        "0c1f407e72ab7ee99571a670bd3c76d8788b08932925a78935b08335178f33b9":
            "3de28081f90ec8d071292af7dfff0a2c2e536f550b44300694ed0053f666a144",
        // V3
        "eccbad2efe19231db82c8c777f6ba8834207bbdb6b2246699386ca2d07a3d43d":
            "27224714bf885d85840cfc211d8447ff2d1a54f24416eb1f7be12747e08bfad0",
        // V4
        "51cc224d54c79c7d83b25ea20cae5012e3f1dffefc125dd244c46c8e3dc979f3":
            "862db3837aa244475d7833a15f0c19757363c13876e8e8ad261d23c8e83663fb",
        // V5
        "977731b3ecd9d914ed3b8f8a670fc2f271c132bea839f4a1694da4e6a9d62577":
            "4d6b708ac9b42191343a3a0a2e2c2a1bba5e61e04f4db289d11c9e57c55069b0",
        // V6
        "452fa67b76ec808dbe003d1ceb216ed6cacf0b1ea02bdb9d30f2336e0cf6e6c9":
            "8ae0fa0d4d71d9c58aa976380c6364958debbfb01381c39b1c59fe38cdf84f66",
        // V7
        "13c6f11c82f254a2696427f39aedc55bf70b3faea96b644d904373bcf049fc41":
            "da8ccb3460efddc63620ea6d91557f4ef6d8965f89ef6686cb8fa813ae100240",
        // V8
        "6d4cd604ea3030bfc272988c27c53605cb7418ed61b25af5fba7d9860e4e99e6":
            "7485f2be49e75bf5836f894546a073299109b904238243a3705a7d4741255538",
        // V9
        "4bd787321943f6441778dd524046d06c3020171ff9c5402cd76c3b91d3b07709":
            "7b529ae3a4389ac46492896bb7ec9fcd60b4458e68e715d5c4da51f2169cd953",
        // V10
        "1b13d45705e10c4481568fedf8c34d5d975591887b07e4fd5db8aa70d37579af":
            "5dc02309b3e8286481ed789895ff48fb980d7af767cd93605c28d1efe16d6aa8",
        // V11
        "acb1a61bbcfd810baf5ddaba1f60b66b9b5c51f7ca9144720b28de6ac01d1d86":
            "e2c71c0d3fe01fa3db6654f3a453938fbbb6797bd11edcdd979fee96cc1af753",
        // V12
        "f15849a438f00f72a3b285d927fd844b100c606c27e5736cadb2a1800950d3bf":
            "9a5012aab6aa7324892e0bdd9fe662cf4cc94960d9e39230972cacdd9c28b71a",
        // V13
        "98128028a17217f8fb4d9204fb284e94eb36dd10f94f1b7eef8c8863eefb28c2":
            "e722124e10d136a53f4487d035af34d8593c3271ad7d23376a068d6bfaadbf96",
        // V14
        "2d22ed767972e205745380a3619082b158c6a1cd4d9c3c07f39179cb1a543bab":
            "2051111a95126865b029a83ca45989a30693c0fe527de3d9c8ab1960481061ba",
    ]
}
