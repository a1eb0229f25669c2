import { readFileSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import * as echarts from "echarts";

const font = "/work/charts16/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
const buf = readFileSync(font);
const c = echarts.init(null, null, { renderer: "svg", ssr: true, width: 800, height: 450 });
const pts: [number, number][] = [];
let p = 100;
for (let i = 0; i < 960; i++) {
  p += Math.random() - 0.5;
  pts.push([i * 60000, p]);
}
c.setOption({
  animation: false,
  textStyle: { fontFamily: "DejaVu Sans" },
  xAxis: { type: "time" },
  yAxis: { scale: true },
  series: [{ type: "line", data: pts, showSymbol: false }],
});
const svg = c.renderToSVGString();
const times = (f: () => unknown, n = 12) => {
  const a: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    f();
    a.push(performance.now() - s);
  }
  a.sort((x, y) => x - y);
  return a[Math.floor(n / 2)]!.toFixed(1);
};
console.log(
  "fontFiles",
  times(() =>
    new Resvg(svg, { font: { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" } })
      .render()
      .asPng(),
  ),
);
console.log(
  "fontBuffers",
  times(() =>
    new Resvg(svg, {
      font: { fontBuffers: [buf], loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
    } as never)
      .render()
      .asPng(),
  ),
);
console.log(
  "nofont",
  times(() => new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng()),
);
console.log(
  "system",
  times(() => new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng()),
);
console.log(
  "svg only",
  times(() => {
    const c2 = echarts.init(null, null, { renderer: "svg", ssr: true, width: 800, height: 450 });
    c2.setOption({
      animation: false,
      xAxis: { type: "time" },
      yAxis: { scale: true },
      series: [{ type: "line", data: pts, showSymbol: false }],
    });
    c2.renderToSVGString();
    c2.dispose();
  }),
);
