import Foundation
import NIOCore
import Portico
import PorticoCrypto
import Postgres
import Testing

extension UploadTests {
    @Suite("Upload blob store: keys, layout, atomic writes")
    struct BlobStoreTests {
        @Test("generated keys are long, random and match the pattern")
        func generatedKeys() {
            let keys = (0..<200).map { _ in BlobKey.generate() }
            #expect(Set(keys).count == 200)
            for key in keys {
                #expect(key.rawValue.count == 32)  // 192 bits
                #expect(BlobKey(key.rawValue) == key)
            }
        }

        @Test("keys that could leave the tenant directory are refused")
        func refusesTraversal() throws {
            let bad = [
                "../../../../etc/passwd", "..", "abc/def/ghi/jkl/mno/pqr", "abcdefghijklmnopqrstu\\x",
                "%2e%2e%2f%2e%2e%2fetc%2fpasswd", ".hiddenhiddenhiddenhidden", "abcdefghijklmnopqrstuvwx.jpg",
                "abcdefghijklmnopqrstu",  // 21 characters: too short
                String(repeating: "a", count: 129), "", "abcdefghijklmnopqrstuvwxyzé", "abcdefghijklmnopqrstuv\0",
                "abcdefghijklmnopqrstuv ", "abcdefghijklmnopqrstuv\n",
            ]
            for text in bad {
                #expect(BlobKey(text) == nil, "\(text.debugDescription)")
                #expect(throws: PostgresError.self) { try BlobKey(postgresText: text) }
                #expect(throws: DecodingError.self) { try JSONDecoder().decode(BlobKey.self, from: Data("\"\(text)\"".utf8)) }
            }
            #expect(BlobKey(String(repeating: "a", count: 22)) != nil)
            #expect(BlobKey(String(repeating: "Z", count: 128)) != nil)
            #expect(BlobKey("-_09azAZ-_09azAZ-_09az") != nil)
            let key = BlobKey.generate()
            #expect(try JSONDecoder().decode(BlobKey.self, from: JSONEncoder().encode(key)) == key)
            #expect(try BlobKey(postgresText: key.postgresText()) == key)
        }

        @Test("a blob round-trips, stored under root/tenant/shard/key with private permissions")
        func roundTrip() async throws {
            try await UploadFixture.with { fixture in
                let content = SampleFile.filler(200_000)
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: content)
                #expect(blob.size == content.count)
                #expect(blob.sha256 == Hex.encode(Digest.sha256(content)))

                let tenantPath = fixture.tenantDirectory.path
                let shardPath = "\(tenantPath)/\(blob.key.rawValue.prefix(2))"
                let filePath = "\(shardPath)/\(blob.key.rawValue)"
                #expect(fixture.filesOnDisk == [filePath])
                #expect(posixPermissions(filePath) == 0o600)
                #expect(posixPermissions(shardPath) == 0o700)
                #expect(posixPermissions(tenantPath) == 0o700)
                #expect(posixPermissions(fixture.store.root.path) == 0o700)

                #expect(try await fixture.storedBytes(blob.key) == content)
                let opened = try await fixture.store.open(tenant: fixture.tenant, key: blob.key)
                #expect(opened.size == content.count)
                var chunks = 0
                for try await _ in opened { chunks += 1 }
                #expect(chunks == 4)  // 64 KB chunks
                // A second pass over the same content reads it again from the start.
                var again: [UInt8] = []
                for try await chunk in opened { again += chunk.readableBytesView }
                #expect(again == content)
            }
        }

        @Test("an empty blob is a valid blob")
        func emptyBlob() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: [UInt8]())
                #expect(blob.size == 0)
                #expect(blob.sha256 == Hex.encode(Digest.sha256([UInt8]())))
                #expect(try await fixture.storedBytes(blob.key) == [])
            }
        }

        @Test("nothing is visible under a key until the write finishes; abort leaves nothing")
        func atomicWrite() async throws {
            try await UploadFixture.with { fixture in
                let writer = try await fixture.store.makeWriter(tenant: fixture.tenant)
                try await writer.write(ByteBuffer(bytes: SampleFile.filler(10_000)))
                await #expect(throws: BlobStoreError.self) { try await fixture.store.open(tenant: fixture.tenant, key: writer.key) }
                let during = fixture.filesOnDisk
                #expect(during.count == 1)
                #expect(during.allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") })

                try await writer.write(ByteBuffer(bytes: SampleFile.filler(5_000, seed: 2)))
                let blob = try await writer.finish()
                #expect(blob.key == writer.key)
                #expect(blob.size == 15_000)
                #expect(try await fixture.storedBytes(blob.key) == SampleFile.filler(10_000) + SampleFile.filler(5_000, seed: 2))
                #expect(fixture.filesOnDisk.map { ($0 as NSString).lastPathComponent } == [blob.key.rawValue])

                let aborted = try await fixture.store.makeWriter(tenant: fixture.tenant)
                try await aborted.write(ByteBuffer(bytes: SampleFile.filler(1_000)))
                await aborted.abort()
                await aborted.abort()  // harmless twice
                #expect(fixture.filesOnDisk.count == 1)
            }
        }

        @Test("a writer dropped without finishing does not leave its temporary file")
        func droppedWriter() async throws {
            try await UploadFixture.with { fixture in
                do {
                    let writer = try await fixture.store.makeWriter(tenant: fixture.tenant)
                    try await writer.write(ByteBuffer(bytes: [1, 2, 3]))
                    withExtendedLifetime(writer) { #expect(fixture.filesOnDisk.count == 1) }
                }
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("delete removes a blob and may be repeated")
        func delete() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: SampleFile.pdf())
                try await fixture.store.delete(tenant: fixture.tenant, key: blob.key)
                try await fixture.store.delete(tenant: fixture.tenant, key: blob.key)
                try await fixture.store.delete(tenant: fixture.tenant, key: BlobKey.generate())
                #expect(fixture.filesOnDisk.isEmpty)
                let error = await #expect(throws: BlobStoreError.self) { try await fixture.store.open(tenant: fixture.tenant, key: blob.key) }
                if case .notFound(let key)? = error {
                    #expect(key == blob.key)
                } else {
                    Issue.record("expected notFound, got \(String(describing: error))")
                }
            }
        }

        @Test("a key stored for one tenant does not exist for another")
        func tenantIsolation() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: SampleFile.jpeg())
                let other = TenantID(UUID())
                await #expect(throws: BlobStoreError.self) { try await fixture.store.open(tenant: other, key: blob.key) }
                try await fixture.store.delete(tenant: other, key: blob.key)
                #expect(try await fixture.storedBytes(blob.key) == SampleFile.jpeg())
            }
        }

        @Test("a symbolic link planted at a key's path is not followed")
        func symlinkNotFollowed() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: SampleFile.jpeg())
                let key = BlobKey.generate()
                let shard = fixture.tenantDirectory.appendingPathComponent(String(key.rawValue.prefix(2)))
                try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
                let target = fixture.tenantDirectory.appendingPathComponent(String(blob.key.rawValue.prefix(2))).appendingPathComponent(
                    blob.key.rawValue)
                try FileManager.default.createSymbolicLink(atPath: shard.appendingPathComponent(key.rawValue).path, withDestinationPath: target.path)
                await #expect(throws: BlobStoreError.self) { try await fixture.store.open(tenant: fixture.tenant, key: key) }
            }
        }

        @Test("read(upTo:) refuses a blob larger than asked for")
        func readLimit() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: SampleFile.filler(5000))
                await #expect(throws: BlobStoreError.self) { try await fixture.store.read(tenant: fixture.tenant, key: blob.key, upTo: 4999) }
                #expect(try await fixture.store.read(tenant: fixture.tenant, key: blob.key, upTo: 5000).readableBytes == 5000)
            }
        }

        @Test("temporary files abandoned by a crash are swept; recent ones and blobs stay")
        func sweepAbandoned() async throws {
            try await UploadFixture.with { fixture in
                let blob = try await fixture.store.put(tenant: fixture.tenant, bytes: SampleFile.png())
                let shard = fixture.tenantDirectory.appendingPathComponent("ab")
                try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
                let old = shard.appendingPathComponent(".tmp-crashed")
                let recent = shard.appendingPathComponent(".tmp-in-progress")
                _ = FileManager.default.createFile(atPath: old.path, contents: Data([1]))
                _ = FileManager.default.createFile(atPath: recent.path, contents: Data([2]))
                try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: old.path)

                #expect(try await fixture.store.removeAbandonedTemporaryFiles(olderThan: .seconds(3600)) == 1)
                #expect(!FileManager.default.fileExists(atPath: old.path))
                #expect(FileManager.default.fileExists(atPath: recent.path))
                #expect(try await fixture.storedBytes(blob.key) == SampleFile.png())
            }
        }

        @Test("the streaming put stores every chunk in order")
        func putChunks() async throws {
            try await UploadFixture.with { fixture in
                let content = SampleFile.filler(100_000)
                let blob = try await fixture.store.put(tenant: fixture.tenant, chunks: ChunkedBody(bytes: content, chunkSize: 777))
                #expect(blob.sha256 == Hex.encode(Digest.sha256(content)))
                #expect(try await fixture.storedBytes(blob.key) == content)
            }
        }

        @Test("incremental SHA-256 matches the one-shot digest")
        func incrementalDigest() {
            let content = SampleFile.filler(10_001)
            let hasher = SHA256Hasher()
            for chunk in stride(from: 0, to: content.count, by: 333) {
                hasher.update(content[chunk..<min(chunk + 333, content.count)])
            }
            #expect(hasher.finalize() == Digest.sha256(content))
            #expect(Hex.encode(SHA256Hasher().finalize()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        }
    }
}
