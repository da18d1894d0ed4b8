import { render } from 'preact';
import '../shared/styles.css';
import { applyTheme } from '../shared/theme.js';
import { ConsoleApp } from './app.js';

applyTheme();
render(<ConsoleApp />, document.getElementById('app')!);
