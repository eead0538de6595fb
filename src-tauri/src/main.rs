// Hide no console on Linux; Windows release builds would add windows_subsystem here.
fn main() {
    kassa_app::run();
}
