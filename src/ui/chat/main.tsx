import { render } from 'preact';
import '../shared/styles.css';
import './chat.css';
import { applyTheme } from '../shared/theme.js';
import { PlaygroundApp } from './playground.js';

applyTheme();
render(<PlaygroundApp />, document.getElementById('app')!);
