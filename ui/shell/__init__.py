"""The program around the screens: start-up, sign-in, main window, lock, database dialogs,
global search, change watching and the PM worker."""
