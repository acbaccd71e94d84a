// Chart.js with only the parts the lab uses registered (tree-shaken), plus the zoom plugin and the
// lab's own decimation and column rasterizer for long lines (chart-decimation.ts).
import {
  BarController, BarElement, Chart, Filler, Legend, LinearScale, LineController,
  LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { columnDecimation } from './chart-decimation';

Chart.register(
  BarController, BarElement, columnDecimation, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Title, Tooltip, zoomPlugin,
);

export { Chart };
