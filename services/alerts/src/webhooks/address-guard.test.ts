import { describe, expect, it } from "vitest";
import { AddressGuard, AddressRefused, embeddedIpv4, parseAllowList } from "./address-guard.ts";

const guard = (allow: string[] = []) =>
  new AddressGuard({
    allow: parseAllowList(allow),
    resolver: { resolve: async () => [{ address: "192.168.0.7", family: 4 }] },
  });

describe("AddressGuard", () => {
  it("refuses every range that reaches into the operator's network, in any spelling", async () => {
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "0.0.0.0",
      "10.9.8.7",
      "172.31.255.255",
      "192.168.0.1",
      "169.254.169.254",
      "100.100.100.200",
      "224.0.0.1",
      "[::1]",
      "[::]",
      "[::ffff:127.0.0.1]",
      "[::ffff:a9fe:a9fe]",
      "[64:ff9b::7f00:1]",
      "[fd00:ec2::254]",
      "[fe80::1]",
      "2130706433",
      "0x7f.1",
      "[ff02::1]",
      "private.example",
    ]) {
      await expect(guard().vet(new URL(`http://${host}/x`)), host).rejects.toBeInstanceOf(AddressRefused);
    }
  });

  it("lets public addresses through, and what the operator allows by name, address or range", async () => {
    await expect(guard().vet(new URL("https://93.184.215.14/"))).resolves.toEqual({
      address: "93.184.215.14",
      family: 4,
    });
    await expect(guard().vet(new URL("https://[2606:4700::1111]/"))).resolves.toMatchObject({ family: 6 });
    await expect(guard(["private.example"]).vet(new URL("http://PRIVATE.example./x"))).resolves.toMatchObject(
      {
        address: "192.168.0.7",
      },
    );
    await expect(guard(["192.168.0.0/24"]).vet(new URL("http://private.example/x"))).resolves.toBeDefined();
    await expect(guard(["10.0.0.1"]).vet(new URL("http://10.0.0.1/x"))).resolves.toBeDefined();
    await expect(guard(["10.0.0.1"]).vet(new URL("http://10.0.0.2/x"))).rejects.toBeInstanceOf(
      AddressRefused,
    );
  });

  it("reads the IPv4 address inside mapped, compatible and NAT64 forms", () => {
    expect(embeddedIpv4("::ffff:7f00:1")).toBe("127.0.0.1");
    expect(embeddedIpv4("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(embeddedIpv4("64:ff9b::a9fe:a9fe")).toBe("169.254.169.254");
    expect(embeddedIpv4("2001:db8::1")).toBeNull();
  });

  it("names the allow-list entry it cannot read", () => {
    expect(() => parseAllowList(["hooks.internal", "10.0.0.0/33"])).toThrow(
      /"10\.0\.0\.0\/33" is not a CIDR range/,
    );
    expect(() => parseAllowList(["http://x"])).toThrow(/"http:\/\/x" is not a host name/);
  });
});
