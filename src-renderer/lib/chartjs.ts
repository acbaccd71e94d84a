// Chart.js with only the parts the lab uses registered (tree-shaken), plus the zoom plugin.
import {
  BarController, BarElement, Chart, Decimation, Filler, Legend, LinearScale, LineController,
  LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';

Chart.register(
  BarController, BarElement, Decimation, Filler, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Title, Tooltip, zoomPlugin,
);

export { Chart };
